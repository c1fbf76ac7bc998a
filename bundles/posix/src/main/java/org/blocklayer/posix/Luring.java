package org.blocklayer.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.posix.internal.UringAbi;

/**
 * QEMU's {@code luring_co_submit} as file-posix.c's {@code raw_co_prw} calls it: one read, write or flush of a
 * node's file through its context's ring. The descriptor is pinned for the whole request, short transfers are
 * resubmitted for the rest (EINTR and EAGAIN too), a read that meets the end of the file pads with zeros as
 * {@code handle_aiocb_rw} does, and data that is not in suitably aligned native memory goes through a bounce buffer.
 */
final class Luring {
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EINVAL = 22;

    private Luring() {
    }

    /**
     * Whether {@code io} can take a request of {@code length} bytes at {@code offset} on the ring: any with buffered
     * I/O; with O_DIRECT only one of whole blocks (the block layer pads requests to the node's request alignment,
     * so only callers beneath it send others, and those keep AlignedIo's read-modify-write on the worker pool).
     */
    static boolean fits(AlignedIo io, long offset, int length) {
        int a = io.alignment();
        return a == 1 || (offset % a == 0 && length % a == 0);
    }

    /** Fills all of {@code buf} from {@code offset}; past the end of the file the rest is zeros. */
    @CoroutineFn
    static void read(LuringState ring, AlignedIo io, long offset, ByteBuffer buf) throws PosixException {
        int n = buf.remaining();
        try (Arena arena = bounceArena(io, buf)) {
            MemorySegment data = arena == null ? MemorySegment.ofBuffer(buf) : arena.allocate(n, align(io));
            long done = transfer(ring, io.fd(), UringAbi.OP_READ, data, offset, io.alignment());
            if (done < n) {
                data.asSlice(done).fill((byte) 0);
            }
            if (arena != null) {
                MemorySegment.copy(data, 0, MemorySegment.ofBuffer(buf), 0, n);
            }
        }
        buf.position(buf.position() + n);
    }

    /** Writes all of {@code buf} at {@code offset}; returns the bytes written, fewer only when the system took no more. */
    @CoroutineFn
    static long write(LuringState ring, AlignedIo io, long offset, ByteBuffer buf) throws PosixException {
        int n = buf.remaining();
        long done;
        try (Arena arena = bounceArena(io, buf)) {
            MemorySegment data = MemorySegment.ofBuffer(buf);
            if (arena != null) {
                MemorySegment copy = arena.allocate(n, align(io));
                MemorySegment.copy(data, 0, copy, 0, n);
                data = copy;
            }
            done = transfer(ring, io.fd(), UringAbi.OP_WRITE, data, offset, io.alignment());
        }
        buf.position(buf.position() + (int) done);
        return done;
    }

    /** {@code fdatasync} of the file, as {@code IORING_OP_FSYNC} with {@code IORING_FSYNC_DATASYNC}. */
    @CoroutineFn
    static void flush(LuringState ring, Fd fd) throws PosixException {
        int number = fd.acquire("fdatasync");
        try {
            int res;
            do {
                res = ring.submit(UringAbi.OP_FSYNC, number, 0, 0, 0);
            } while (res == -EINTR || res == -EAGAIN);
            if (res < 0) {
                throw PosixException.of(-res, "fdatasync", fd.path());
            }
        } finally {
            fd.release();
        }
    }

    /**
     * Reads or writes {@code data} at {@code offset} until all of it is done, the file ends (a read of 0 bytes) or
     * the system takes no more (a write of 0); returns the bytes done. With O_DIRECT, EINVAL after a short read is
     * the end of the file too, as AlignedIo reads it.
     */
    @CoroutineFn
    private static long transfer(LuringState ring, Fd fd, int op, MemorySegment data, long offset,
            int alignment) throws PosixException {
        String name = op == UringAbi.OP_READ ? "pread" : "pwrite";
        int number = fd.acquire(name);
        try {
            long done = 0;
            long size = data.byteSize();
            while (done < size) {
                int res = ring.submit(op, number, data.address() + done, (int) (size - done), offset + done);
                if (res == -EINTR || res == -EAGAIN) {
                    continue;
                }
                if (res < 0) {
                    if (done > 0 && alignment > 1 && res == -EINVAL && op == UringAbi.OP_READ) {
                        break;
                    }
                    throw PosixException.of(-res, name, fd.path());
                }
                if (res == 0) {
                    break;
                }
                done += res;
            }
            return done;
        } finally {
            fd.release();
        }
    }

    /** An arena for a bounce buffer when {@code buf} is not native memory aligned for {@code io}, else null. */
    private static Arena bounceArena(AlignedIo io, ByteBuffer buf) {
        if (buf.isDirect() && (io.alignment() == 1 || MemorySegment.ofBuffer(buf).address() % io.alignment() == 0)) {
            return null;
        }
        return Arena.ofConfined();
    }

    private static long align(AlignedIo io) {
        return Math.max(8, io.alignment());
    }
}
