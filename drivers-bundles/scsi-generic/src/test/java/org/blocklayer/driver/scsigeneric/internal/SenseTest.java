package org.blocklayer.driver.scsigeneric.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.blocklayer.api.error.Errno;
import org.junit.jupiter.api.Test;

/** Sense data byte for byte in both formats (SPC-4 4.5.2, 4.5.3), and the errno QEMU derives from it. */
class SenseTest {

    /** Fixed format, 18 bytes: ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE. */
    private static final byte[] FIXED_INVALID_OPCODE = {
        (byte) 0xF0,            // 0: VALID 1, RESPONSE CODE 70h (current)
        0x00,                   // 1: obsolete
        0x05,                   // 2: FILEMARK 0, EOM 0, ILI 0, SENSE KEY 5h ILLEGAL REQUEST
        0x00, 0x00, 0x00, 0x00, // 3-6: INFORMATION
        0x0A,                   // 7: ADDITIONAL SENSE LENGTH (n - 7)
        0x00, 0x00, 0x00, 0x00, // 8-11: COMMAND-SPECIFIC INFORMATION
        0x20,                   // 12: ADDITIONAL SENSE CODE
        0x00,                   // 13: ADDITIONAL SENSE CODE QUALIFIER
        0x00,                   // 14: FIELD REPLACEABLE UNIT CODE
        0x00, 0x00, 0x00,       // 15-17: SKSV, SENSE KEY SPECIFIC
    };

    /** Descriptor format, 8 bytes: NOT READY, MEDIUM NOT PRESENT - TRAY OPEN. */
    private static final byte[] DESCRIPTOR_NO_MEDIUM = {
        0x72,             // 0: RESPONSE CODE 72h (current)
        0x02,             // 1: SENSE KEY 2h NOT READY
        0x3A,             // 2: ADDITIONAL SENSE CODE
        0x02,             // 3: ADDITIONAL SENSE CODE QUALIFIER
        0x00, 0x00, 0x00, // 4-6: reserved
        0x00,             // 7: ADDITIONAL SENSE LENGTH: no descriptors
    };

    @Test
    void fixedFormatCurrent() {
        Sense s = Sense.decode(FIXED_INVALID_OPCODE, FIXED_INVALID_OPCODE.length);

        assertThat(s).isEqualTo(new Sense(0x70, 0x5, 0x20, 0x00));
        assertThat(s.descriptorFormat()).isFalse();
        assertThat(s.deferred()).isFalse();
        assertThat(s.errno()).isEqualTo(Errno.EINVAL);
        assertThat(s.describe()).isEqualTo("sense key ILLEGAL REQUEST, ASC/ASCQ 20h/00h");
    }

    @Test
    void fixedFormatDeferredWithFlagBitsBesideTheKey() {
        byte[] data = FIXED_INVALID_OPCODE.clone();
        data[0] = 0x71;
        data[2] = (byte) 0xE3; // FILEMARK, EOM, ILI set; SENSE KEY 3h MEDIUM ERROR
        data[12] = 0x11;

        Sense s = Sense.decode(data, data.length);

        assertThat(s).isEqualTo(new Sense(0x71, 0x3, 0x11, 0x00));
        assertThat(s.deferred()).isTrue();
        assertThat(s.errno()).isEqualTo(Errno.EIO);
        assertThat(s.describe()).isEqualTo("sense key MEDIUM ERROR, ASC/ASCQ 11h/00h (deferred)");
    }

    @Test
    void descriptorFormatCurrentAndDeferred() {
        Sense s = Sense.decode(DESCRIPTOR_NO_MEDIUM, DESCRIPTOR_NO_MEDIUM.length);

        assertThat(s).isEqualTo(new Sense(0x72, 0x2, 0x3A, 0x02));
        assertThat(s.descriptorFormat()).isTrue();
        assertThat(s.errno()).isEqualTo(Errno.ENOMEDIUM);

        byte[] deferred = DESCRIPTOR_NO_MEDIUM.clone();
        deferred[0] = 0x73;
        assertThat(Sense.decode(deferred, 8).deferred()).isTrue();
        assertThat(Sense.decode(deferred, 8).descriptorFormat()).isTrue();
    }

    @Test
    void onlyTheBytesWrittenCountAndMissingFieldsReadZero() {
        assertThat(Sense.decode(FIXED_INVALID_OPCODE, 0)).isNull();
        assertThat(Sense.decode(new byte[0], 10)).isNull();
        assertThat(Sense.decode(FIXED_INVALID_OPCODE, 8)).isEqualTo(new Sense(0x70, 0x5, 0, 0));
        assertThat(Sense.decode(DESCRIPTOR_NO_MEDIUM, 2)).isEqualTo(new Sense(0x72, 0x2, 0, 0));
    }

    @Test
    void errnoAsQemusScsiSenseToErrno() {
        assertThat(new Sense(0x70, Sense.NO_SENSE, 0, 0).errno()).isEqualTo(Errno.EAGAIN);
        assertThat(new Sense(0x70, Sense.RECOVERED_ERROR, 0x17, 0).errno()).isEqualTo(Errno.EAGAIN);
        assertThat(new Sense(0x70, Sense.UNIT_ATTENTION, 0x29, 0).errno()).isEqualTo(Errno.EAGAIN);
        assertThat(new Sense(0x70, Sense.ABORTED_COMMAND, 0, 6).errno()).isEqualTo(Errno.ECANCELED);
        assertThat(new Sense(0x70, Sense.HARDWARE_ERROR, 0x44, 0).errno()).isEqualTo(Errno.EIO);
        assertThat(new Sense(0x70, Sense.ILLEGAL_REQUEST, 0x24, 0).errno()).isEqualTo(Errno.EINVAL);
        assertThat(new Sense(0x70, Sense.ILLEGAL_REQUEST, 0x1A, 0).errno()).isEqualTo(Errno.EINVAL);
        assertThat(new Sense(0x70, Sense.ILLEGAL_REQUEST, 0x26, 0).errno()).isEqualTo(Errno.EINVAL);
        assertThat(new Sense(0x70, Sense.ILLEGAL_REQUEST, 0x21, 0).errno()).isEqualTo(Errno.ENOSPC);
        assertThat(new Sense(0x70, Sense.DATA_PROTECT, 0x27, 0x07).errno()).isEqualTo(Errno.ENOSPC);
        assertThat(new Sense(0x70, Sense.ILLEGAL_REQUEST, 0x25, 0).errno()).isEqualTo(Errno.ENOTSUP);
        assertThat(new Sense(0x70, Sense.NOT_READY, 0x3A, 0x00).errno()).isEqualTo(Errno.ENOMEDIUM);
        assertThat(new Sense(0x70, Sense.NOT_READY, 0x3A, 0x01).errno()).isEqualTo(Errno.ENOMEDIUM);
        assertThat(new Sense(0x70, Sense.DATA_PROTECT, 0x27, 0x00).errno()).isEqualTo(Errno.EACCES);
        assertThat(new Sense(0x70, Sense.NOT_READY, 0x04, 0x01).errno().name()).isEqualTo("EINPROGRESS");
        assertThat(new Sense(0x70, Sense.NOT_READY, 0x04, 0x02).errno().name()).isEqualTo("ENOTCONN");
        assertThat(new Sense(0x70, Sense.NOT_READY, 0x04, 0x03).errno()).isEqualTo(Errno.EIO);
    }
}
