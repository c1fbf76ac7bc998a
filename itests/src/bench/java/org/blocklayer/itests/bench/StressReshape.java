package org.blocklayer.itests.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.graph.Graph;

/**
 * The stress run's operations that change the graph's shape around a node: {@code resize} ({@code block_resize} of
 * the raw node, under its slot's write lock) and {@code shared_child} (a second raw parent opened over the slot's
 * file node, read through while the slot's own requests go on, then closed).
 */
final class StressReshape {

    /** Runs a call that is global-state code, one at a time with --serial-main. */
    @FunctionalInterface
    interface Global {
        <T> T call(CoTask.Body<T> call) throws Exception;
    }

    private final Graph graph;
    private final Global global;
    private final Consumer<String> fail;
    private final AtomicLong sharers = new AtomicLong();

    StressReshape(Graph graph, Global global, Consumer<String> fail) {
        this.graph = graph;
        this.global = global;
        this.fail = fail;
    }

    /**
     * Resizes the raw node to a random length (512 B to 256 KiB, not always whole sectors): the length reported,
     * the node's, its file child's and the file's own size must follow, and the data too (the slot's shadow). A node
     * opened with {@code size} must refuse (ENOTSUP) and keep its length. Caller holds the slot's write lock.
     */
    void resize(StressSlot slot, Random random) throws Exception {
        BlockNode node = slot.node;
        long newLength = 512 + random.nextInt(256 * 1024);
        if (slot.fixedSize()) {
            try {
                long got = global.call(() -> graph.resize(slot.name, newLength));
                fail.accept(slot.describe() + ": resized to " + got + ", but a raw node with size is fixed");
            } catch (BlockException e) {
                if (e.errno() != Errno.ENOTSUP) {
                    fail.accept(slot.describe() + ": resize: " + e.describe() + ", expected ENOTSUP");
                }
            }
            if (node.getLength() != slot.length) {
                fail.accept(slot.describe() + ": length " + node.getLength() + " after a refused resize");
            }
            return;
        }
        long got = global.call(() -> graph.resize(slot.name, newLength));
        slot.resized(newLength);
        if (got != slot.length || node.getLength() != slot.length
                || node.file().node().getLength() != slot.fileLength
                || Files.size(slot.file) != slot.offset + newLength) {
            fail.accept(slot.describe() + ": resize to " + newLength + " reported " + got + ", length "
                    + node.getLength() + ", file child " + node.file().node().getLength() + ", file "
                    + Files.size(slot.file) + " B");
        }
    }

    /**
     * Opens a second raw node over the slot's file node ({@code file=NAME}, the whole file), reads a random range of
     * the slot's window through it (under that range's chunk lock, so the shadow says what it holds), then closes
     * it; the file node is shared meanwhile, moves and requests of the slot going on. Caller holds the slot's read
     * lock.
     */
    void sharedChild(StressSlot slot, Random random) throws Exception {
        String name = slot.sharerName(sharers.incrementAndGet());
        global.call(() -> graph.open(null, new BlockOptions().put("driver", "raw").put("node-name", name)
                .put("file", slot.childName), OpenFlags.RDWR));
        try {
            BlockBackend reader = global.call(() -> graph.attach(name, "", EnumSet.of(Permission.CONSISTENT_READ),
                    EnumSet.allOf(Permission.class)));
            try {
                slot.inRandomChunk(random, (at, bytes) -> {
                    ByteBuffer buf = ByteBuffer.allocate(bytes);
                    reader.pread(slot.offset + at, buf);
                    buf.flip();
                    String diff = slot.mismatch(at, buf);
                    if (diff != null) {
                        fail.accept("shared_child " + name + ": " + diff);
                    }
                });
            } finally {
                reader.close();
            }
        } finally {
            global.call(() -> {
                graph.close(name);
                return null;
            });
        }
    }
}
