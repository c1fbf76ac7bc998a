package org.blocklayer.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.blocklayer.api.error.Errno;

/**
 * Positional reads and writes of a {@link ByteBuffer} on a descriptor that may be open with {@link Posix#O_DIRECT}:
 * QEMU's {@code handle_aiocb_rw} together with the padding QEMU's block layer gives unaligned requests before a
 * driver sees them ({@code bdrv_pad_request}; blocklayer's core does not pad, so this does).
 *
 * <p>A request goes straight through when its buffer is native memory and its offset, length and address are
 * multiples of the {@linkplain #alignment() alignment}; any other goes through a bounce buffer of aligned native
 * memory, widened to whole blocks. A write that covers part of a block is a read-modify-write of that block; such
 * writes exclude every other write on this object while they run, so no write lands between a read-modify-write's
 * read and its write. Past the end of a regular file the blocks read as zeros, so an unaligned write there leaves
 * the file at the next multiple of the alignment, as QEMU's does.
 *
 * <p>One alignment serves offsets, lengths and memory: Linux never asks more of memory than of offsets. Blocking:
 * call from a worker thread, never from a context's thread.
 */
public final class AlignedIo {

    /** The largest bounce buffer: longer unaligned requests go through it in pieces. */
    public static final int MAX_BOUNCE = 1 << 20;
    /** QEMU's {@code MAX_BLOCKSIZE}: the largest alignment probed, and the safe one when a probe cannot tell. */
    public static final int MAX_ALIGNMENT = 4096;
    /** Bounce buffers start on a page, which satisfies every O_DIRECT memory alignment. */
    private static final long PAGE = 4096;
    /** What {@link #probeAlignment} tries, smallest first ({@code raw_probe_alignment}'s list). */
    private static final int[] CANDIDATES = {1, 512, 1024, 2048, 4096};

    private final Fd fd;
    private final int alignment;
    private final ReadWriteLock rmw = new ReentrantReadWriteLock();

    /**
     * @param fd        the open file or device; this object does not close it
     * @param alignment a power of two: the logical block size with O_DIRECT ({@link #probeAlignment}), 1 without
     */
    public AlignedIo(Fd fd, int alignment) {
        if (alignment < 1 || Integer.bitCount(alignment) != 1 || alignment > MAX_BOUNCE) {
            throw new IllegalArgumentException("alignment must be a power of two up to " + MAX_BOUNCE + ": "
                    + alignment);
        }
        this.fd = fd;
        this.alignment = alignment;
    }

    /**
     * QEMU's {@code raw_probe_alignment} on a descriptor opened with O_DIRECT: the logical block size (BLKSSZGET)
     * where the descriptor is a block device, else the smallest of 512, 1024, 2048 and 4096 bytes that an O_DIRECT
     * pread at offset 0 accepts (Linux answers EINVAL to a misaligned one). Where a 1-byte read works too (an empty
     * file reads nothing whatever the size), nothing can be told and the answer is {@link #MAX_ALIGNMENT}.
     *
     * @throws PosixException EINVAL when no size works ("Could not find working O_DIRECT alignment" in QEMU)
     */
    public static int probeAlignment(Fd fd) throws PosixException {
        try {
            int size = Posix.ioctlGetInt(fd, Ioctls.BLKSSZGET);
            if (size > 0 && Integer.bitCount(size) == 1) {
                return size;
            }
        } catch (PosixException e) {
            // Not a block device (ENOTTY): probe with reads, as QEMU does.
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(MAX_ALIGNMENT, MAX_ALIGNMENT);
            for (int size : CANDIDATES) {
                if (readsAligned(fd, buf.asSlice(0, size))) {
                    return size == 1 ? MAX_ALIGNMENT : size;
                }
            }
        }
        throw PosixException.of(Errno.EINVAL.value(), "probe O_DIRECT alignment (no size up to " + MAX_ALIGNMENT
                + " works)", fd.path());
    }

    /** {@code raw_is_io_aligned}: only EINVAL says misaligned; any other failure is a real I/O error, not ours. */
    private static boolean readsAligned(Fd fd, MemorySegment buf) {
        try {
            Posix.pread(fd, buf, 0);
            return true;
        } catch (PosixException e) {
            return e.errnoValue() != Errno.EINVAL.value();
        }
    }

    public Fd fd() {
        return fd;
    }

    /** The request alignment ({@code bs->bl.request_alignment}); 1 means any request goes. */
    public int alignment() {
        return alignment;
    }

    /**
     * Fills all of {@code buf} from {@code offset}. Where the file or device ends, the rest is zeros, as
     * handle_aiocb_rw pads a short read.
     */
    public void read(long offset, ByteBuffer buf) throws PosixException {
        if (fitsDirectly(offset, buf)) {
            int n = buf.remaining();
            MemorySegment dst = MemorySegment.ofBuffer(buf);
            long got = readFully(dst, offset);
            dst.asSlice(got).fill((byte) 0);
            buf.position(buf.position() + n);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bounce = bounce(arena, offset, buf.remaining());
            while (buf.hasRemaining()) {
                long start = alignDown(offset, alignment);
                int head = (int) (offset - start);
                int n = (int) Math.min(buf.remaining(), bounce.byteSize() - head);
                MemorySegment span = bounce.asSlice(0, alignUp(head + n, alignment));
                long got = readFully(span, start);
                int valid = (int) Math.clamp(got - head, 0, n);
                MemorySegment dst = MemorySegment.ofBuffer(buf);
                MemorySegment.copy(span, head, dst, 0, valid);
                dst.asSlice(valid, n - valid).fill((byte) 0);
                buf.position(buf.position() + n);
                offset += n;
            }
        }
    }

    /**
     * Writes all of {@code buf} at {@code offset}; returns the bytes written, fewer only when the system took nothing
     * more (QEMU's handle_aiocb_rw makes that EINVAL). A block device answers ENOSPC past its end.
     */
    public long write(long offset, ByteBuffer buf) throws PosixException {
        boolean partialBlocks = offset % alignment != 0 || buf.remaining() % alignment != 0;
        Lock lock = alignment == 1 ? null : partialBlocks ? rmw.writeLock() : rmw.readLock();
        if (lock != null) {
            lock.lock();
        }
        try {
            if (fitsDirectly(offset, buf)) {
                long done = writeFully(MemorySegment.ofBuffer(buf), offset);
                buf.position(buf.position() + (int) done);
                return done;
            }
            return writeBounced(offset, buf);
        } finally {
            if (lock != null) {
                lock.unlock();
            }
        }
    }

    private long writeBounced(long offset, ByteBuffer buf) throws PosixException {
        long total = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bounce = bounce(arena, offset, buf.remaining());
            while (buf.hasRemaining()) {
                long start = alignDown(offset, alignment);
                int head = (int) (offset - start);
                int n = (int) Math.min(buf.remaining(), bounce.byteSize() - head);
                int spanLength = (int) alignUp(head + n, alignment);
                MemorySegment span = bounce.asSlice(0, spanLength);
                if (head != 0) {
                    readBlock(span.asSlice(0, alignment), start);
                }
                if ((head + n) % alignment != 0 && (head == 0 || spanLength > alignment)) {
                    readBlock(span.asSlice(spanLength - alignment, alignment), start + spanLength - alignment);
                }
                MemorySegment.copy(MemorySegment.ofBuffer(buf), 0, span, head, n);
                long done = writeFully(span, start);
                if (done < spanLength) {
                    long ours = Math.clamp(done - head, 0, n);
                    buf.position(buf.position() + (int) ours);
                    return total + ours;
                }
                buf.position(buf.position() + n);
                total += n;
                offset += n;
            }
        }
        return total;
    }

    /** The old contents of one block for a read-modify-write; zeros where the file or device ends. */
    private void readBlock(MemorySegment block, long offset) throws PosixException {
        long got = readFully(block, offset);
        block.asSlice(got).fill((byte) 0);
    }

    /** Native memory already aligned as needed, at an aligned offset and of an aligned length. */
    private boolean fitsDirectly(long offset, ByteBuffer buf) {
        if (!buf.isDirect()) {
            return false;
        }
        return alignment == 1 || (offset % alignment == 0 && buf.remaining() % alignment == 0
                && MemorySegment.ofBuffer(buf).address() % alignment == 0);
    }

    private MemorySegment bounce(Arena arena, long offset, int length) {
        long head = offset - alignDown(offset, alignment);
        long size = Math.min(MAX_BOUNCE, alignUp(head + length, alignment));
        return arena.allocate(size, Math.max(PAGE, alignment));
    }

    /**
     * pread until {@code dst} is full or the file ends ({@code handle_aiocb_rw_linear}'s loop). With O_DIRECT a short
     * read at the end of a file leaves the next offset misaligned, and Linux may answer that pread with EINVAL
     * rather than 0: after a short read that is the end too, as in QEMU.
     */
    private long readFully(MemorySegment dst, long offset) throws PosixException {
        long total = 0;
        while (total < dst.byteSize()) {
            long n;
            try {
                n = Posix.pread(fd, dst.asSlice(total), offset + total);
            } catch (PosixException e) {
                if (total > 0 && alignment > 1 && e.errnoValue() == Errno.EINVAL.value()) {
                    break;
                }
                throw e;
            }
            if (n == 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** pwrite until all of {@code src} is written or the system takes nothing more. */
    private long writeFully(MemorySegment src, long offset) throws PosixException {
        long total = 0;
        while (total < src.byteSize()) {
            long n = Posix.pwrite(fd, src.asSlice(total), offset + total);
            if (n == 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    static long alignDown(long value, int alignment) {
        return value - Math.floorMod(value, alignment);
    }

    static long alignUp(long value, int alignment) {
        return alignDown(value + alignment - 1, alignment);
    }
}
