package org.blocklayer.driver.scsigeneric.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.junit.jupiter.api.Test;

/** READ CAPACITY parameter data byte for byte (SBC-3 5.15.2, 5.16.2): capacity = (last LBA + 1) × block length. */
class ReadCapacityTest {

    @Test
    void readCapacity10OfA1GiBDiskOf512ByteBlocks() throws Exception {
        byte[] data = {
            0x00, 0x1F, (byte) 0xFF, (byte) 0xFF, // 0-3: RETURNED LOGICAL BLOCK ADDRESS = 1FFFFFh
            0x00, 0x00, 0x02, 0x00,               // 4-7: LOGICAL BLOCK LENGTH IN BYTES = 512
        };

        ReadCapacity rc = ReadCapacity.parse10(data, data.length);

        assertThat(rc.lastLba()).isEqualTo(0x1FFFFF);
        assertThat(rc.blockLength()).isEqualTo(512);
        assertThat(rc.needs16()).isFalse();
        assertThat(rc.bytes()).isEqualTo(1L << 30);
    }

    @Test
    void readCapacity10OfFFFFFFFFhMeansAskReadCapacity16() throws Exception {
        byte[] data = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x00, 0x00, 0x10, 0x00};

        ReadCapacity rc = ReadCapacity.parse10(data, data.length);

        assertThat(rc.needs16()).isTrue();
        assertThat(rc.blockLength()).isEqualTo(4096);
    }

    @Test
    void readCapacity16OfA32TiBDiskOf4KiBBlocks() throws Exception {
        byte[] data = new byte[32];
        byte[] head = {
            0x00, 0x00, 0x00, 0x01, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, // 0-7: LAST LBA = 1FFFFFFFFh
            0x00, 0x00, 0x10, 0x00,                                                  // 8-11: BLOCK LENGTH = 4096
            0x01,                                   // 12: P_TYPE 0, PROT_EN 1
            0x03,                                   // 13: P_I_EXPONENT 0, LOGICAL BLOCKS PER PHYSICAL BLOCK EXP 3
            (byte) 0xC0, 0x00,                      // 14-15: LBPME, LBPRZ, LOWEST ALIGNED LBA 0
        };
        System.arraycopy(head, 0, data, 0, head.length);

        ReadCapacity rc = ReadCapacity.parse16(data, data.length);

        assertThat(rc.lastLba()).isEqualTo(0x1FFFFFFFFL);
        assertThat(rc.blockLength()).isEqualTo(4096);
        assertThat(rc.bytes()).isEqualTo(32L << 40);
    }

    @Test
    void readCapacity16NeedsOnlyItsFirstTwelveBytes() throws Exception {
        byte[] data = {0, 0, 0, 0, 0, 0, 0x03, (byte) 0xFF, 0, 0, 0x02, 0x00};

        assertThat(ReadCapacity.parse16(data, 12).bytes()).isEqualTo(1024L * 512);
    }

    @Test
    void shortParameterDataIsEio() {
        assertThatThrownBy(() -> ReadCapacity.parse10(new byte[8], 7))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO))
                .hasMessage("READ CAPACITY(10) returned 7 bytes of parameter data, fewer than the 8 needed");
        assertThatThrownBy(() -> ReadCapacity.parse16(new byte[32], 11))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    }

    @Test
    void blockLengthZeroIsEio() {
        assertThatThrownBy(() -> ReadCapacity.parse10(new byte[] {0, 0, 0, 1, 0, 0, 0, 0}, 8))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO))
                .hasMessage("READ CAPACITY(10) returned a logical block length of 0");
    }

    @Test
    void capacityBeyondSignedSixtyFourBitsIsEfbig() {
        byte[] huge = {(byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0};
        assertThatThrownBy(() -> ReadCapacity.parse16(huge, 12))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFBIG));
        byte[] overflow = {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0};
        assertThatThrownBy(() -> ReadCapacity.parse16(overflow, 12).bytes())
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFBIG));
    }
}
