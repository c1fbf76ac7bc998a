package org.blocklayer.posix;

/**
 * ioctl request numbers (Linux, LP64: the same on x86_64 and aarch64).
 */
public final class Ioctls {
    /** {@code _IOR(0x12, 114, size_t)}: a block device's size in bytes (u64). */
    public static final long BLKGETSIZE64 = 0x80081272L;
    /** {@code _IO(0x12, 104)}: logical block (sector) size in bytes (int). */
    public static final long BLKSSZGET = 0x1268L;
    /** {@code _IO(0x12, 94)}: nonzero when the block device is read-only (int). */
    public static final long BLKROGET = 0x125EL;
    /** {@code _IO(0x12, 119)}: discards a byte range ({@code uint64_t[2]}: offset, length) of a block device. */
    public static final long BLKDISCARD = 0x1277L;
    /** {@code _IO(0x12, 127)}: zeroes a byte range ({@code uint64_t[2]}: offset, length) of a block device. */
    public static final long BLKZEROOUT = 0x127FL;
    /** sg driver version, e.g. 30536 for 3.5.36 (int); fails on anything but an sg device. */
    public static final long SG_GET_VERSION_NUM = 0x2282L;
    /** Fills a {@code struct sg_scsi_id} ({@link ScsiId}). */
    public static final long SG_GET_SCSI_ID = 0x2276L;
    /** Runs one SCSI command described by a {@code sg_io_hdr} ({@link SgIo}). */
    public static final long SG_IO = 0x2285L;

    private Ioctls() {
    }

    /** The name of a request number, for messages; hexadecimal for those not named here. */
    public static String name(long request) {
        if (request == BLKGETSIZE64) {
            return "BLKGETSIZE64";
        } else if (request == BLKSSZGET) {
            return "BLKSSZGET";
        } else if (request == BLKROGET) {
            return "BLKROGET";
        } else if (request == BLKDISCARD) {
            return "BLKDISCARD";
        } else if (request == BLKZEROOUT) {
            return "BLKZEROOUT";
        } else if (request == SG_GET_VERSION_NUM) {
            return "SG_GET_VERSION_NUM";
        } else if (request == SG_GET_SCSI_ID) {
            return "SG_GET_SCSI_ID";
        } else if (request == SG_IO) {
            return "SG_IO";
        }
        return "0x" + Long.toHexString(request);
    }
}
