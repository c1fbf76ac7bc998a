package org.blocklayer.api.driver;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockNode;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_co_block_status}): what a range starting at {@code offset} holds. Without it the
 * core reports the whole range as data, as QEMU does for a driver without the callback.
 */
@ConsumerType
public interface BlockStatus {

    /**
     * The status of the range from {@code offset}: how far one answer holds ({@code pnum}, at least 1 byte, at most
     * {@code bytes}), and what it is.
     *
     * @param wantZero the caller wants ZERO reported precisely, not just allocation ({@code want_zero})
     */
    @CoroutineFn
    @GraphRdlock
    Status coBlockStatus(DriverNode bs, boolean wantZero, long offset, long bytes) throws BlockException;

    /**
     * One answer ({@code BDRV_BLOCK_*}).
     *
     * @param flags    {@link #DATA}, {@link #ZERO}, {@link #OFFSET_VALID}, {@link #RAW}, {@link #ALLOCATED},
     *                 {@link #EOF}
     * @param bytes    how many bytes from the offset asked for it covers ({@code *pnum})
     * @param map      with OFFSET_VALID, where the range lies in {@code file} ({@code *map})
     * @param file     with OFFSET_VALID or RAW, the node that holds it ({@code *file}), else null; with RAW one of
     *                 the node's children ({@link DriverChild#node()}), which core asks in turn
     */
    record Status(int flags, long bytes, long map, BlockNode file) {
        public static final int DATA = 0x01;
        public static final int ZERO = 0x02;
        public static final int OFFSET_VALID = 0x04;
        /** The range is the same range of {@code file}: ask it ({@code BDRV_BLOCK_RAW}). */
        public static final int RAW = 0x08;
        public static final int ALLOCATED = 0x10;
        public static final int EOF = 0x20;

        public boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }
}
