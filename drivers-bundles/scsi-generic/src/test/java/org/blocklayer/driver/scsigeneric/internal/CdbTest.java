package org.blocklayer.driver.scsigeneric.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The CDBs byte for byte, as SBC-3 5.15 and 5.16 lay them out. */
class CdbTest {

    @Test
    void readCapacity10IsOpcode25hAndNineZeroBytes() {
        byte[] expected = {
            0x25,                   // 0: OPERATION CODE
            0x00,                   // 1: reserved
            0x00, 0x00, 0x00, 0x00, // 2-5: LOGICAL BLOCK ADDRESS (obsolete)
            0x00, 0x00,             // 6-7: reserved
            0x00,                   // 8: PMI (obsolete) in bit 0
            0x00,                   // 9: CONTROL
        };

        assertThat(Cdb.readCapacity10()).containsExactly(expected);
        assertThat(Cdb.name(expected)).isEqualTo("READ CAPACITY(10)");
    }

    @Test
    void readCapacity16IsServiceActionIn16WithServiceAction10hAndTheAllocationLengthBigEndian() {
        byte[] expected = {
            (byte) 0x9E,                                    // 0: OPERATION CODE: SERVICE ACTION IN(16)
            0x10,                                           // 1: SERVICE ACTION: READ CAPACITY(16)
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 2-9: LOGICAL BLOCK ADDRESS (obsolete)
            0x00, 0x00, 0x00, 0x20,                         // 10-13: ALLOCATION LENGTH = 32
            0x00,                                           // 14: PMI (obsolete) in bit 0
            0x00,                                           // 15: CONTROL
        };

        assertThat(Cdb.readCapacity16(32)).containsExactly(expected);
        assertThat(Cdb.name(expected)).isEqualTo("READ CAPACITY(16)");
    }

    @Test
    void allocationLengthUsesAllFourBytes() {
        byte[] cdb = Cdb.readCapacity16(0x01020304);

        assertThat(new byte[] {cdb[10], cdb[11], cdb[12], cdb[13]}).containsExactly(1, 2, 3, 4);
    }

    @Test
    void otherCommandsAreNamedByOpcode() {
        assertThat(Cdb.name(new byte[] {0x12, 0, 0, 0, 36, 0})).isEqualTo("SCSI command 12h");
        assertThat(Cdb.name(new byte[] {(byte) 0x9E, 0x12})).isEqualTo("SCSI command 9Eh");
    }
}
