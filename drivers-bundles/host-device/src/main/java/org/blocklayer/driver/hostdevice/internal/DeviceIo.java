package org.blocklayer.driver.hostdevice.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Lock;

import org.blocklayer.posix.Fd;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;

/**
 * Positional transfers between a ByteBuffer and the device, as QEMU's {@code handle_aiocb_rw}: straight into the
 * buffer when it is native memory that already meets the device's alignment, else through a bounce buffer of
 * aligned native memory. With O_DIRECT the bounce also widens an unaligned request to whole logical blocks (QEMU's
 * block layer pads such requests before the driver sees them; blocklayer's core does not yet, so the driver does).
 * Blocking: runs on a worker thread, never on a context's thread.
 */
final class DeviceIo {

    /** The largest bounce buffer: longer requests go through it in pieces. */
    static final int MAX_BOUNCE = 1 << 20;
    /** Bounce buffers start on a page, which satisfies every O_DIRECT memory alignment. */
    private static final long PAGE = 4096;

    private DeviceIo() {
    }

    /**
     * Fills {@code buf} from {@code offset}. A device has no short reads inside its size; past its end it reads
     * nothing, and the rest is zeros, as handle_aiocb_rw pads a short read.
     */
    static void read(DeviceState s, long offset, ByteBuffer buf) throws PosixException {
        if (fitsDirectly(s, offset, buf)) {
            int n = buf.remaining();
            MemorySegment dst = MemorySegment.ofBuffer(buf);
            long got = readFully(s.fd(), dst, offset);
            dst.asSlice(got).fill((byte) 0);
            buf.position(buf.position() + n);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            int a = s.alignment();
            MemorySegment bounce = bounce(arena, a, offset, buf.remaining());
            while (buf.hasRemaining()) {
                long start = alignDown(offset, a);
                int head = (int) (offset - start);
                int n = (int) Math.min(buf.remaining(), bounce.byteSize() - head);
                MemorySegment span = bounce.asSlice(0, alignUp(head + n, a));
                long got = readFully(s.fd(), span, start);
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
     * Writes all of {@code buf} at {@code offset}; returns the bytes written, fewer only when the device took
     * nothing more (the caller makes that EINVAL, as handle_aiocb_rw does). Past the device's end the kernel says
     * ENOSPC.
     */
    static long write(DeviceState s, long offset, ByteBuffer buf) throws PosixException {
        int a = s.alignment();
        boolean partialBlocks = a > 1 && (offset % a != 0 || buf.remaining() % a != 0);
        Lock lock = s.direct() ? (partialBlocks ? s.rmw().writeLock() : s.rmw().readLock()) : null;
        if (lock != null) {
            lock.lock();
        }
        try {
            if (fitsDirectly(s, offset, buf)) {
                long done = writeFully(s.fd(), MemorySegment.ofBuffer(buf), offset);
                buf.position(buf.position() + (int) done);
                return done;
            }
            return writeBounced(s, offset, buf);
        } finally {
            if (lock != null) {
                lock.unlock();
            }
        }
    }

    private static long writeBounced(DeviceState s, long offset, ByteBuffer buf) throws PosixException {
        int a = s.alignment();
        long total = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bounce = bounce(arena, a, offset, buf.remaining());
            while (buf.hasRemaining()) {
                long start = alignDown(offset, a);
                int head = (int) (offset - start);
                int n = (int) Math.min(buf.remaining(), bounce.byteSize() - head);
                int spanLength = (int) alignUp(head + n, a);
                MemorySegment span = bounce.asSlice(0, spanLength);
                if (head != 0) {
                    readBlock(s.fd(), span.asSlice(0, a), start);
                }
                if ((head + n) % a != 0 && (head == 0 || spanLength > a)) {
                    readBlock(s.fd(), span.asSlice(spanLength - a, a), start + spanLength - a);
                }
                MemorySegment.copy(MemorySegment.ofBuffer(buf), 0, span, head, n);
                long done = writeFully(s.fd(), span, start);
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

    /** The old contents of one block for a read-modify-write; zeros where the device ends. */
    private static void readBlock(Fd fd, MemorySegment block, long offset) throws PosixException {
        long got = readFully(fd, block, offset);
        block.asSlice(got).fill((byte) 0);
    }

    /** Native memory already aligned as the device needs it, at an aligned offset and of an aligned length. */
    private static boolean fitsDirectly(DeviceState s, long offset, ByteBuffer buf) {
        if (!buf.isDirect()) {
            return false;
        }
        int a = s.alignment();
        return a == 1 || (offset % a == 0 && buf.remaining() % a == 0
                && MemorySegment.ofBuffer(buf).address() % a == 0);
    }

    private static MemorySegment bounce(Arena arena, int alignment, long offset, int length) {
        long head = offset - alignDown(offset, alignment);
        long size = Math.min(MAX_BOUNCE, alignUp(head + length, alignment));
        return arena.allocate(size, Math.max(PAGE, alignment));
    }

    /** pread until {@code dst} is full or the device ends (QEMU's handle_aiocb_rw_linear loop). */
    private static long readFully(Fd fd, MemorySegment dst, long offset) throws PosixException {
        long total = 0;
        while (total < dst.byteSize()) {
            long n = Posix.pread(fd, dst.asSlice(total), offset + total);
            if (n == 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** pwrite until all of {@code src} is written or the device takes nothing more. */
    private static long writeFully(Fd fd, MemorySegment src, long offset) throws PosixException {
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
