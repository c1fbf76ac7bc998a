package org.blocklayer.driver.scsigeneric.internal;

/**
 * Command descriptor blocks the driver sends, byte for byte as SBC-3 lays them out. Pure: no I/O.
 */
final class Cdb {

    /** READ CAPACITY(10) operation code (SBC-3 5.15). */
    static final int READ_CAPACITY_10 = 0x25;
    /** SERVICE ACTION IN(16) operation code; READ CAPACITY(16) is its service action 10h (SBC-3 5.16). */
    static final int SERVICE_ACTION_IN_16 = 0x9E;
    static final int SA_READ_CAPACITY_16 = 0x10;

    private Cdb() {
    }

    /**
     * READ CAPACITY(10): byte 0 opcode 25h; bytes 2-5 LOGICAL BLOCK ADDRESS (obsolete, 0); byte 8 bit 0 PMI
     * (obsolete, 0); byte 9 CONTROL. Everything else reserved.
     */
    static byte[] readCapacity10() {
        byte[] cdb = new byte[10];
        cdb[0] = (byte) READ_CAPACITY_10;
        return cdb;
    }

    /**
     * READ CAPACITY(16): byte 0 opcode 9Eh; byte 1 bits 4-0 SERVICE ACTION 10h; bytes 2-9 LOGICAL BLOCK ADDRESS
     * (obsolete, 0); bytes 10-13 ALLOCATION LENGTH, big-endian; byte 14 bit 0 PMI (obsolete, 0); byte 15 CONTROL.
     */
    static byte[] readCapacity16(int allocationLength) {
        byte[] cdb = new byte[16];
        cdb[0] = (byte) SERVICE_ACTION_IN_16;
        cdb[1] = (byte) SA_READ_CAPACITY_16;
        cdb[10] = (byte) (allocationLength >>> 24);
        cdb[11] = (byte) (allocationLength >>> 16);
        cdb[12] = (byte) (allocationLength >>> 8);
        cdb[13] = (byte) allocationLength;
        return cdb;
    }

    /** The command's name for messages. */
    static String name(byte[] cdb) {
        int op = cdb[0] & 0xFF;
        if (op == READ_CAPACITY_10) {
            return "READ CAPACITY(10)";
        }
        if (op == SERVICE_ACTION_IN_16 && (cdb[1] & 0x1F) == SA_READ_CAPACITY_16) {
            return "READ CAPACITY(16)";
        }
        return String.format("SCSI command %02Xh", op);
    }
}
