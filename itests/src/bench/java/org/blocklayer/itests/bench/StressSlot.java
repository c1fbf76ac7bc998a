package org.blocklayer.itests.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;

/**
 * One place in the stress run where a raw node lives over its {@link StressMedium} (a temp file, a loop device or
 * a qemu-nbd export): where its bytes are, the window raw shows of them
 * ({@code offset}/{@code size}), and a shadow copy of the bytes the node must read back.
 *
 * <p>Who may do what: opening and closing take {@link #use}'s write lock; every other operation holds its read lock,
 * so a node is never closed under a request. Requests on one byte range serialize on that range's chunk lock so the
 * shadow always says what a read must return; different chunks of one node run concurrently.
 */
final class StressSlot {
    static final int SECTOR = BlockNode.SECTOR_SIZE;
    static final int CHUNK = 4096;

    final int index;
    /** Where the bytes live: a temp file per open, a loop device or a qemu-nbd export. */
    final StressMedium medium;
    final ReentrantReadWriteLock use = new ReentrantReadWriteLock();
    private int generation;

    // Set while open; written under use's write lock, read under its read lock.
    BlockNode node;
    /** The backend requests go through; closed before the node. */
    BlockBackend backend;
    String name;
    String childName;
    Path file;
    long offset;
    Long size;
    /** The file node's length: the file's size when opened, rounded up to 512. */
    long fileLength;
    /** The raw node's length: {@code size}, else {@code fileLength - offset}. */
    long length;
    private byte[] shadow;
    private ReentrantLock[] chunks;

    StressSlot(int index, StressMedium medium) {
        this.index = index;
        this.medium = medium;
    }

    boolean isOpen() {
        return node != null;
    }

    /**
     * Gives the slot new random content and picks the window; returns the raw node's options. A temp-file slot gets
     * a new file of random size (its node is opened by filename); a fixed medium keeps its size and gets new bytes
     * written outside blocklayer (its node is opened by options naming the protocol driver).
     */
    BlockOptions prepare(Path dir, Random random) throws IOException {
        int fileSize;
        byte[] content;
        if (medium.fresh()) {
            fileSize = 512 + random.nextInt(StressMedium.MAX_SIZE);
            if (random.nextInt(4) == 0) {
                fileSize &= ~(SECTOR - 1);
            }
            content = new byte[fileSize];
            random.nextBytes(content);
            file = Files.createTempFile(dir, "slot" + index + "-", ".img");
            Files.write(file, content);
        } else {
            fileSize = (int) medium.size();
            content = new byte[fileSize];
            random.nextBytes(content);
            medium.fill(content);
            file = medium.content();
        }
        fileLength = roundUp(fileSize);
        offset = random.nextInt(3) == 0 ? SECTOR * (long) random.nextInt((int) (fileLength / SECTOR / 2) + 1) : 0;
        long room = fileLength - offset;
        size = random.nextInt(3) == 0 ? SECTOR * (1 + (long) random.nextInt((int) (room / SECTOR))) : null;
        length = size != null ? size : room;
        shadow = new byte[(int) length];
        System.arraycopy(content, (int) Math.min(offset, fileSize), shadow, 0,
                (int) Math.max(0, Math.min(length, fileSize - offset)));
        chunks = new ReentrantLock[(int) ((length + CHUNK - 1) / CHUNK)];
        Arrays.setAll(chunks, i -> new ReentrantLock());
        name = "s" + index + "g" + (++generation);
        BlockOptions options = new BlockOptions().put("node-name", name);
        if (!medium.fresh()) {
            options = medium.protocolOptions(options);
        }
        if (offset != 0 || random.nextBoolean()) {
            options.put("offset", Long.toString(offset));
        }
        if (size != null) {
            options.put("size", Long.toString(size));
        }
        return options;
    }

    void opened(BlockNode node, BlockBackend backend) {
        this.node = node;
        this.backend = backend;
        this.childName = node.file() == null ? null : node.file().node().nodeName();
    }

    void closed() throws IOException {
        node = null;
        backend = null;
        shadow = null;
        chunks = null;
        if (medium.fresh()) {
            Files.deleteIfExists(file);
        }
    }

    /** The filename to open the node by: a temp file's path; null for a fixed medium, named by its options. */
    String filename() {
        return medium.fresh() ? file.toString() : null;
    }

    /** The medium's size in bytes now: a temp file's size, a fixed medium's own. */
    long mediumSize() throws IOException {
        return medium.fresh() ? Files.size(file) : medium.size();
    }

    /** Whether {@code block_resize} applies: only temp files change size (devices and NBD exports refuse to grow). */
    boolean resizable() {
        return medium.fresh();
    }

    String describe() {
        return "node '" + name + "' (" + medium.kind() + " " + fileLength + " B, offset " + offset + ", size " + size + ")";
    }

    int chunkCount() {
        return chunks.length;
    }

    ReentrantLock chunk(int c) {
        return chunks[c];
    }

    /** A random byte range inside chunk {@code c}: {offset, length}. */
    long[] range(int c, Random random) {
        long start = (long) c * CHUNK;
        long end = Math.min(start + CHUNK, length);
        long from = start + random.nextInt((int) (end - start));
        long bytes = 1 + random.nextInt((int) (end - from));
        return new long[] {from, bytes};
    }

    /** What {@link #inRandomChunk} runs on a range: {@code at} (in the raw node's window) and {@code bytes}. */
    @FunctionalInterface
    interface RangeWork {
        void run(long at, int bytes) throws Exception;
    }

    /**
     * Runs {@code work} on a random range inside one random chunk, holding that chunk's lock, so that the shadow says
     * what the range holds meanwhile.
     */
    void inRandomChunk(Random random, RangeWork work) throws Exception {
        int c = random.nextInt(chunkCount());
        long[] range = range(c, random);
        ReentrantLock chunk = chunk(c);
        chunk.lock();
        try {
            work.run(range[0], (int) range[1]);
        } finally {
            chunk.unlock();
        }
    }

    /** Whether raw was opened with {@code size}: such a node cannot be resized ("fixed-size raw disks"). */
    boolean fixedSize() {
        return size != null;
    }

    /**
     * After a resize of the raw node to {@code newLength} bytes: the file is now {@code offset + newLength} bytes,
     * both nodes round up to whole sectors, and the shadow keeps what the file still holds and reads zeros past its
     * end (grown bytes, and the tail of the last sector). Caller holds {@link #use}'s write lock.
     */
    void resized(long newLength) {
        long fileSize = offset + newLength;
        fileLength = roundUp(fileSize);
        length = fileLength - offset;
        shadow = Arrays.copyOf(Arrays.copyOf(shadow, (int) Math.min(shadow.length, newLength)), (int) length);
        chunks = new ReentrantLock[(int) ((length + CHUNK - 1) / CHUNK)];
        Arrays.setAll(chunks, i -> new ReentrantLock());
    }

    /** The name for the {@code n}th extra parent of this slot's file node. */
    String sharerName(long n) {
        return name + "x" + n;
    }

    /** After a write: the shadow takes the bytes. Caller holds the chunk lock. */
    void wrote(long at, byte[] data) {
        System.arraycopy(data, 0, shadow, (int) at, data.length);
    }

    /** Null when {@code read} (flipped, as filled) matches the shadow at {@code at}, else what differs. */
    String mismatch(long at, ByteBuffer read) {
        int n = read.remaining();
        for (int i = 0; i < n; i++) {
            if (read.get(read.position() + i) != shadow[(int) at + i]) {
                return describe() + ": read " + n + " B at " + at + " differs at +" + i + ": got "
                        + hex(read, i) + ", wrote " + HexFormat.of().formatHex(shadow, (int) at + i,
                        (int) Math.min(shadow.length, at + i + 16));
            }
        }
        return null;
    }

    /** Null when the file on disk holds the shadow in the window (bytes past its end count as zeros). */
    String fileMismatch() throws IOException {
        ByteBuffer onDisk = ByteBuffer.allocate((int) length);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (onDisk.hasRemaining()) {
                if (ch.read(onDisk, offset + onDisk.position()) < 0) {
                    break;
                }
            }
        }
        onDisk.clear();
        String diff = mismatch(0, onDisk);
        return diff == null ? null : "file on disk after close: " + diff;
    }

    static long roundUp(long bytes) {
        return (bytes + SECTOR - 1) / SECTOR * SECTOR;
    }

    private static String hex(ByteBuffer b, int from) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < Math.min(b.remaining(), from + 16); i++) {
            s.append(String.format("%02x", b.get(b.position() + i)));
        }
        return s.toString();
    }
}
