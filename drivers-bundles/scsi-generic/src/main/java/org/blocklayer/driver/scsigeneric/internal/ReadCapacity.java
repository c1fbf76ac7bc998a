package org.blocklayer.driver.scsigeneric.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * The parameter data of READ CAPACITY(10) and (16) (SBC-3 5.15.2, 5.16.2), big-endian. Pure: no I/O.
 *
 * @param lastLba     RETURNED LOGICAL BLOCK ADDRESS: the address of the last logical block
 * @param blockLength LOGICAL BLOCK LENGTH IN BYTES
 */
record ReadCapacity(long lastLba, long blockLength) {

    /** READ CAPACITY(10) parameter data: bytes 0-3 the last LBA, bytes 4-7 the block length. */
    static final int LENGTH_10 = 8;
    /** READ CAPACITY(16) parameter data: 32 bytes, of which bytes 0-7 the last LBA and 8-11 the block length. */
    static final int LENGTH_16 = 32;
    /** What READ CAPACITY(10) returns as the last LBA when the capacity needs READ CAPACITY(16). */
    static final long USE_16 = 0xFFFFFFFFL;

    /** True for a READ CAPACITY(10) answer saying: too large for me, ask READ CAPACITY(16). */
    boolean needs16() {
        return lastLba == USE_16;
    }

    /** The capacity in bytes: (last LBA + 1) × block length. */
    long bytes() throws BlockException {
        try {
            return Math.multiplyExact(lastLba + 1, blockLength);
        } catch (ArithmeticException e) {
            throw new BlockException(Errno.EFBIG, "The device reports " + (lastLba + 1) + " blocks of "
                    + blockLength + " bytes, more than 2^63 bytes");
        }
    }

    /** Parses the first {@code length} bytes of READ CAPACITY(10) parameter data. */
    static ReadCapacity parse10(byte[] data, int length) throws BlockException {
        check("READ CAPACITY(10)", length, LENGTH_10);
        return valid("READ CAPACITY(10)", new ReadCapacity(be32(data, 0), be32(data, 4)));
    }

    /** Parses the first {@code length} bytes of READ CAPACITY(16) parameter data; 12 bytes suffice. */
    static ReadCapacity parse16(byte[] data, int length) throws BlockException {
        check("READ CAPACITY(16)", length, 12);
        long lastLba = (be32(data, 0) << 32) | be32(data, 4);
        if (lastLba < 0) {
            throw new BlockException(Errno.EFBIG, "READ CAPACITY(16) returned last LBA "
                    + Long.toUnsignedString(lastLba) + ", more than this driver can address");
        }
        return valid("READ CAPACITY(16)", new ReadCapacity(lastLba, be32(data, 8)));
    }

    private static void check(String command, int length, int needed) throws BlockException {
        if (length < needed) {
            throw new BlockException(Errno.EIO,
                    command + " returned " + length + " bytes of parameter data, fewer than the " + needed + " needed");
        }
    }

    private static ReadCapacity valid(String command, ReadCapacity rc) throws BlockException {
        if (rc.blockLength == 0) {
            throw new BlockException(Errno.EIO, command + " returned a logical block length of 0");
        }
        return rc;
    }

    private static long be32(byte[] b, int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }
}
