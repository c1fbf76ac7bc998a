package org.blocklayer.driver.scsigeneric.internal;

import org.blocklayer.api.error.Errno;

/**
 * Sense data decoded (SPC-4 4.5): the sense key and additional sense code (ASC) and qualifier (ASCQ), from either
 * format. Pure: no I/O.
 *
 * <ul>
 * <li>Fixed format, response code 70h (current) or 71h (deferred): byte 0 bit 7 VALID, bits 6-0 response code;
 * byte 2 bits 3-0 SENSE KEY; byte 7 additional sense length; byte 12 ASC; byte 13 ASCQ.</li>
 * <li>Descriptor format, response code 72h (current) or 73h (deferred): byte 1 bits 3-0 SENSE KEY; byte 2 ASC;
 * byte 3 ASCQ; byte 7 additional sense length, descriptors from byte 8.</li>
 * </ul>
 * Sense data the device cut short yields what is there; fields it did not reach read as 0.
 *
 * @param responseCode 70h, 71h, 72h or 73h (7Fh is vendor specific)
 */
record Sense(int responseCode, int key, int asc, int ascq) {

    static final int NO_SENSE = 0x0;
    static final int RECOVERED_ERROR = 0x1;
    static final int NOT_READY = 0x2;
    static final int MEDIUM_ERROR = 0x3;
    static final int HARDWARE_ERROR = 0x4;
    static final int ILLEGAL_REQUEST = 0x5;
    static final int UNIT_ATTENTION = 0x6;
    static final int DATA_PROTECT = 0x7;
    static final int ABORTED_COMMAND = 0xB;


    private static final String[] KEY_NAMES = {"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR",
        "HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT", "BLANK CHECK", "VENDOR SPECIFIC",
        "COPY ABORTED", "ABORTED COMMAND", "RESERVED (Ch)", "VOLUME OVERFLOW", "MISCOMPARE", "COMPLETED"};

    /** Decodes the first {@code length} bytes of {@code data}; null when there is no sense data at all. */
    static Sense decode(byte[] data, int length) {
        int n = Math.min(length, data.length);
        if (n < 1) {
            return null;
        }
        int code = data[0] & 0x7F;
        if (code == 0x72 || code == 0x73) {
            return new Sense(code, at(data, n, 1) & 0x0F, at(data, n, 2), at(data, n, 3));
        }
        // 70h, 71h and anything else (7Fh vendor specific) read as fixed format, as QEMU's scsi_parse_sense_buf.
        return new Sense(code, at(data, n, 2) & 0x0F, at(data, n, 12), at(data, n, 13));
    }

    private static int at(byte[] data, int length, int index) {
        return index < length ? data[index] & 0xFF : 0;
    }

    boolean descriptorFormat() {
        return responseCode == 0x72 || responseCode == 0x73;
    }

    /** 71h and 73h: the error belongs to an earlier command. */
    boolean deferred() {
        return responseCode == 0x71 || responseCode == 0x73;
    }

    String keyName() {
        return KEY_NAMES[key];
    }

    /** QEMU's {@code scsi_sense_to_errno} (scsi/utils.c). */
    Errno errno() {
        switch (key) {
            case NO_SENSE, RECOVERED_ERROR, UNIT_ATTENTION:
                return Errno.EAGAIN;
            case ABORTED_COMMAND:
                return Errno.ECANCELED;
            case NOT_READY, ILLEGAL_REQUEST, DATA_PROTECT:
                break;
            default:
                return Errno.EIO;
        }
        return switch ((asc << 8) | ascq) {
            case 0x1a00, 0x2000, 0x2400, 0x2600 -> Errno.EINVAL; // parameter list length, opcode, CDB field, list field
            case 0x2100, 0x2707 -> Errno.ENOSPC; // LBA out of range, space allocation failed
            case 0x2500 -> Errno.ENOTSUP; // logical unit not supported
            case 0x3a00, 0x3a01, 0x3a02 -> Errno.ENOMEDIUM; // medium not present
            case 0x2700 -> Errno.EACCES; // write protected
            case 0x0401 -> Errno.EINPROGRESS; // becoming ready
            case 0x0402 -> Errno.ENOTCONN; // initializing command required
            default -> Errno.EIO;
        };
    }

    /** E.g. {@code sense key ILLEGAL REQUEST, ASC/ASCQ 20h/00h}. */
    String describe() {
        return String.format("sense key %s, ASC/ASCQ %02Xh/%02Xh%s", keyName(), asc, ascq,
                deferred() ? " (deferred)" : "");
    }
}
