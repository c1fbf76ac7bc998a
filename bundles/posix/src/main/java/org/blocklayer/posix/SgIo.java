package org.blocklayer.posix;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import org.blocklayer.posix.internal.Syscall;

/**
 * The Linux SCSI generic driver's ioctl interface (scsi/sg.h): {@code SG_GET_VERSION_NUM}, {@code SG_GET_SCSI_ID}
 * and {@code SG_IO}, which runs one SCSI command synchronously.
 */
public final class SgIo {

    /** {@code struct sg_io_hdr} on LP64 Linux: 88 bytes, with the padding the C compiler puts in spelled out. */
    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("interface_id"),
            JAVA_INT.withName("dxfer_direction"),
            JAVA_BYTE.withName("cmd_len"),
            JAVA_BYTE.withName("mx_sb_len"),
            JAVA_SHORT.withName("iovec_count"),
            JAVA_INT.withName("dxfer_len"),
            ADDRESS.withName("dxferp"),
            ADDRESS.withName("cmdp"),
            ADDRESS.withName("sbp"),
            JAVA_INT.withName("timeout"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("pack_id"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("usr_ptr"),
            JAVA_BYTE.withName("status"),
            JAVA_BYTE.withName("masked_status"),
            JAVA_BYTE.withName("msg_status"),
            JAVA_BYTE.withName("sb_len_wr"),
            JAVA_SHORT.withName("host_status"),
            JAVA_SHORT.withName("driver_status"),
            JAVA_INT.withName("resid"),
            JAVA_INT.withName("duration"),
            JAVA_INT.withName("info"),
            MemoryLayout.paddingLayout(4));

    /** {@code struct sg_scsi_id}: five ints, two shorts, two unused ints (32 bytes). */
    static final StructLayout SCSI_ID = MemoryLayout.structLayout(
            JAVA_INT.withName("host_no"),
            JAVA_INT.withName("channel"),
            JAVA_INT.withName("scsi_id"),
            JAVA_INT.withName("lun"),
            JAVA_INT.withName("scsi_type"),
            JAVA_SHORT.withName("h_cmd_per_lun"),
            JAVA_SHORT.withName("d_queue_depth"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("unused"));

    /** {@code SG_DXFER_NONE}: no data phase. */
    public static final int DXFER_NONE = -1;
    /** {@code SG_DXFER_TO_DEV}: data goes to the device (WRITE). */
    public static final int DXFER_TO_DEV = -2;
    /** {@code SG_DXFER_FROM_DEV}: data comes from the device (READ, READ CAPACITY). */
    public static final int DXFER_FROM_DEV = -3;

    /** Room for sense data: the largest SPC allows (QEMU's {@code SCSI_SENSE_BUF_SIZE}). */
    public static final int SENSE_BUFFER_SIZE = 252;

    private SgIo() {
    }

    /** {@code SG_GET_VERSION_NUM}: the sg driver's version; fails (ENOTTY, EINVAL) on anything that is not sg. */
    public static int versionNum(Fd fd) throws PosixException {
        return Posix.ioctlGetInt(fd, Ioctls.SG_GET_VERSION_NUM);
    }

    /** {@code SG_GET_SCSI_ID}: where the device sits and what type it is. */
    public static ScsiId scsiId(Fd fd) throws PosixException {
        try (Syscall mem = new Syscall()) {
            MemorySegment id = mem.arena().allocate(SCSI_ID);
            Posix.ioctl(fd, Ioctls.SG_GET_SCSI_ID, id);
            return new ScsiId(id.get(JAVA_INT, offset(SCSI_ID, "host_no")), id.get(JAVA_INT, offset(SCSI_ID, "channel")),
                    id.get(JAVA_INT, offset(SCSI_ID, "scsi_id")), id.get(JAVA_INT, offset(SCSI_ID, "lun")),
                    id.get(JAVA_INT, offset(SCSI_ID, "scsi_type")));
        }
    }

    /**
     * {@code SG_IO}: runs the command {@code cdb} and waits for it. {@code data} (native, may be
     * {@link MemorySegment#NULL} with {@link #DXFER_NONE}) is read from or written to as {@code direction} says.
     * A SCSI-level failure is no exception: it comes back in the result's status and sense data. A
     * PosixException means the kernel refused the request itself (ENOTTY not sg, EPERM, EINVAL...).
     */
    public static SgIoResult execute(Fd fd, byte[] cdb, int direction, MemorySegment data, int timeoutMillis)
            throws PosixException {
        if (cdb.length == 0 || cdb.length > 255) {
            throw new IllegalArgumentException("a CDB is 1 to 255 bytes, not " + cdb.length);
        }
        try (Syscall mem = new Syscall()) {
            MemorySegment hdr = mem.arena().allocate(HEADER);
            MemorySegment cmd = mem.arena().allocateFrom(JAVA_BYTE, cdb);
            MemorySegment sense = mem.arena().allocate(SENSE_BUFFER_SIZE);
            hdr.set(JAVA_INT, offset(HEADER, "interface_id"), 'S');
            hdr.set(JAVA_INT, offset(HEADER, "dxfer_direction"), direction);
            hdr.set(JAVA_BYTE, offset(HEADER, "cmd_len"), (byte) cdb.length);
            hdr.set(JAVA_BYTE, offset(HEADER, "mx_sb_len"), (byte) SENSE_BUFFER_SIZE);
            hdr.set(JAVA_INT, offset(HEADER, "dxfer_len"), Math.toIntExact(data.byteSize()));
            hdr.set(ADDRESS, offset(HEADER, "dxferp"), data);
            hdr.set(ADDRESS, offset(HEADER, "cmdp"), cmd);
            hdr.set(ADDRESS, offset(HEADER, "sbp"), sense);
            hdr.set(JAVA_INT, offset(HEADER, "timeout"), timeoutMillis);
            Posix.ioctl(fd, Ioctls.SG_IO, hdr);
            int senseLength = Math.min(Byte.toUnsignedInt(hdr.get(JAVA_BYTE, offset(HEADER, "sb_len_wr"))),
                    SENSE_BUFFER_SIZE);
            return new SgIoResult(
                    Byte.toUnsignedInt(hdr.get(JAVA_BYTE, offset(HEADER, "status"))),
                    Byte.toUnsignedInt(hdr.get(JAVA_BYTE, offset(HEADER, "masked_status"))),
                    Byte.toUnsignedInt(hdr.get(JAVA_BYTE, offset(HEADER, "msg_status"))),
                    Short.toUnsignedInt(hdr.get(JAVA_SHORT, offset(HEADER, "host_status"))),
                    Short.toUnsignedInt(hdr.get(JAVA_SHORT, offset(HEADER, "driver_status"))),
                    hdr.get(JAVA_INT, offset(HEADER, "resid")),
                    hdr.get(JAVA_INT, offset(HEADER, "duration")),
                    hdr.get(JAVA_INT, offset(HEADER, "info")),
                    sense.asSlice(0, senseLength).toArray(JAVA_BYTE));
        }
    }

    /** The byte offset of {@code field} in {@code layout}. */
    static long offset(StructLayout layout, String field) {
        return layout.byteOffset(groupElement(field));
    }
}
