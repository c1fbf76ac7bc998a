package org.blocklayer.nbd.server.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The data buffers of one connection's requests ({@code req->data} of nbd/server.c, which QEMU takes with
 * {@code blk_try_blockalign} and frees with {@code qemu_vfree} after the reply). Direct buffers, so that the file
 * driver preads straight into them and the socket writes straight from them: a heap buffer costs a bounce buffer
 * (allocated and zeroed) in the posix layer, a copy there, and another copy in the JDK's socket write. They are kept
 * and reused, by power-of-two size class, for requests of up to {@link #POOLED_MAX} bytes, and a connection keeps at
 * most {@link #KEPT_MAX} bytes of them (its {@link Wire#MAX_REQUESTS} requests in flight at nbdcopy's request size);
 * larger requests get a heap buffer of their own. Home thread only.
 */
final class RequestBuffers {
    /** Largest request served from the pool: nbdcopy's default request size. */
    static final int POOLED_MAX = 256 * 1024;
    /** Most bytes of free buffers a connection keeps. */
    static final int KEPT_MAX = Wire.MAX_REQUESTS * POOLED_MAX;
    private static final int SMALLEST_SHIFT = 12;

    @SuppressWarnings("unchecked")
    private final ArrayDeque<ByteBuffer>[] free = new ArrayDeque[sizeClass(POOLED_MAX) + 1];
    private long kept;

    /** A buffer of {@code length} bytes, position 0, limit {@code length}; its contents are undefined. */
    ByteBuffer take(int length) {
        if (length > POOLED_MAX) {
            return ByteBuffer.allocate(length);
        }
        int c = sizeClass(length);
        ArrayDeque<ByteBuffer> list = free[c];
        ByteBuffer b = list == null ? null : list.pollLast();
        if (b == null) {
            b = ByteBuffer.allocateDirect(1 << (c + SMALLEST_SHIFT));
        } else {
            kept -= b.capacity();
        }
        return b.clear().limit(length);
    }

    /** Gives back a buffer from {@link #take} once nothing uses it any more; null is ignored. */
    void give(ByteBuffer b) {
        if (b == null || !b.isDirect()) {
            return;
        }
        int c = sizeClass(b.capacity());
        ArrayDeque<ByteBuffer> list = free[c];
        if (list == null) {
            list = free[c] = new ArrayDeque<>();
        }
        if (kept + b.capacity() <= KEPT_MAX) {
            list.addLast(b);
            kept += b.capacity();
        }
    }

    /** 0 for up to 4 KiB, 1 for up to 8 KiB, ... */
    private static int sizeClass(int length) {
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(length, 1) - 1);
        return Math.max(bits, SMALLEST_SHIFT) - SMALLEST_SHIFT;
    }
}
