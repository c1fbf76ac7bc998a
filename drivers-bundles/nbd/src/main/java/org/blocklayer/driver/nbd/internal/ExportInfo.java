package org.blocklayer.driver.nbd.internal;

/**
 * What the handshake learnt about the export ({@code NBDExportInfo}): its size and transmission flags
 * ({@code NBD_INFO_EXPORT}), its block size constraints ({@code NBD_INFO_BLOCK_SIZE}, or the protocol's defaults when
 * the server sent none) and whether structured replies were negotiated.
 *
 * @param size       export size in bytes
 * @param flags      transmission flags ({@code NBD_FLAG_*})
 * @param minBlock   minimum block size: offsets and lengths must be multiples of it
 * @param prefBlock  preferred block size
 * @param maxBlock   maximum payload of one read or write
 * @param structured true when the server agreed to {@code NBD_OPT_STRUCTURED_REPLY}
 */
record ExportInfo(long size, int flags, int minBlock, int prefBlock, int maxBlock, boolean structured) {

    boolean readOnly() {
        return (flags & Nbd.FLAG_READ_ONLY) != 0;
    }

    boolean canFlush() {
        return (flags & Nbd.FLAG_SEND_FLUSH) != 0;
    }

    boolean canFua() {
        return (flags & Nbd.FLAG_SEND_FUA) != 0;
    }

    boolean canTrim() {
        return (flags & Nbd.FLAG_SEND_TRIM) != 0;
    }

    boolean canWriteZeroes() {
        return (flags & Nbd.FLAG_SEND_WRITE_ZEROES) != 0;
    }

    boolean canFastZero() {
        return (flags & Nbd.FLAG_SEND_FAST_ZERO) != 0;
    }

    boolean canMultiConn() {
        return (flags & Nbd.FLAG_CAN_MULTI_CONN) != 0;
    }

    /** The largest request to send: the server's maximum, never more than 32 MiB, rounded down to minBlock. */
    int maxRequest() {
        long max = Math.min(Integer.toUnsignedLong(maxBlock), Nbd.DEFAULT_MAX_REQUEST);
        return (int) Math.max(minBlock, max - max % minBlock);
    }
}
