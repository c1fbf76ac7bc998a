package org.blocklayer.driver.scsigeneric.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.SgIoResult;
import org.junit.jupiter.api.Test;

/** READ CAPACITY(16), then (10) where the device refuses it, against scripted device answers. */
class CapacityProbeTest {
    private static final String WHAT = "Could not get the length of '/dev/sg0'";

    private static final byte[] RC16_1GIB = {0, 0, 0, 0, 0, 0x1F, (byte) 0xFF, (byte) 0xFF, 0, 0, 0x02, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final byte[] RC10_1GIB = {0, 0x1F, (byte) 0xFF, (byte) 0xFF, 0, 0, 0x02, 0};
    private static final byte[] INVALID_OPCODE = {0x70, 0, 0x05, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0};
    private static final byte[] NO_MEDIUM = {0x72, 0x02, 0x3A, 0x00, 0, 0, 0, 0};

    /** Answers commands from a script and remembers which CDBs were sent. */
    private static final class Device implements ScsiTransport {
        final Deque<ScsiResponse> answers = new ArrayDeque<>();
        final List<String> sent = new ArrayList<>();

        Device answer(ScsiResponse r) {
            answers.add(r);
            return this;
        }

        @Override
        public ScsiResponse execute(byte[] cdb, int dataLength) throws IOException {
            sent.add(Cdb.name(cdb) + "/" + dataLength);
            ScsiResponse r = answers.poll();
            if (r == null) {
                throw new IOException("unexpected command " + Cdb.name(cdb));
            }
            return r;
        }
    }

    private static ScsiResponse good(byte[] data) {
        return new ScsiResponse(new SgIoResult(0, 0, 0, 0, 0, 0, 1, 0, new byte[0]), data);
    }

    private static ScsiResponse checkCondition(byte[] sense) {
        // status CHECK CONDITION, masked 01h, driver_status DRIVER_SENSE, SG_INFO_CHECK
        return new ScsiResponse(new SgIoResult(0x02, 0x01, 0, 0, 0x08, 32, 1, 0x1, sense), new byte[0]);
    }

    @Test
    void readCapacity16AnswersAndReadCapacity10IsNeverSent() throws Exception {
        Device device = new Device().answer(good(RC16_1GIB));

        assertThat(CapacityProbe.bytes(device, WHAT)).isEqualTo(1L << 30);
        assertThat(device.sent).containsExactly("READ CAPACITY(16)/32");
    }

    @Test
    void deviceRefusingReadCapacity16IsAskedReadCapacity10() throws Exception {
        Device device = new Device().answer(checkCondition(INVALID_OPCODE)).answer(good(RC10_1GIB));

        assertThat(CapacityProbe.bytes(device, WHAT)).isEqualTo(1L << 30);
        assertThat(device.sent).containsExactly("READ CAPACITY(16)/32", "READ CAPACITY(10)/8");
    }

    @Test
    void readCapacity10SayingUse16AfterReadCapacity16WasRefusedIsEio() {
        Device device = new Device().answer(checkCondition(INVALID_OPCODE))
                .answer(good(new byte[] {-1, -1, -1, -1, 0, 0, 0x02, 0}));

        assertThatThrownBy(() -> CapacityProbe.bytes(device, WHAT))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO))
                .hasMessage(WHAT + ": READ CAPACITY(10) says the capacity needs READ CAPACITY(16), which the device"
                        + " refused (sense key ILLEGAL REQUEST, ASC/ASCQ 20h/00h)");
    }

    @Test
    void otherFailuresOfReadCapacity16AreReportedWithoutFallback() {
        Device device = new Device().answer(checkCondition(NO_MEDIUM));

        assertThatThrownBy(() -> CapacityProbe.bytes(device, WHAT))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM))
                .hasMessage(WHAT + ": READ CAPACITY(16) failed: CHECK CONDITION, sense key NOT READY, ASC/ASCQ 3Ah/00h");
        assertThat(device.sent).hasSize(1);
    }

    @Test
    void readCapacity10FailingToo() {
        Device device = new Device().answer(checkCondition(INVALID_OPCODE)).answer(checkCondition(INVALID_OPCODE));

        assertThatThrownBy(() -> CapacityProbe.bytes(device, WHAT))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage(WHAT + ": READ CAPACITY(10) failed: CHECK CONDITION, sense key ILLEGAL REQUEST, ASC/ASCQ"
                        + " 20h/00h");
    }

    @Test
    void hostTimeoutIsEtimedoutAndBusyIsEagain() {
        ScsiResponse timeout = new ScsiResponse(new SgIoResult(0, 0, 0, 0x03, 0, 32, 30000, 0x1, new byte[0]),
                new byte[0]);
        assertThatThrownBy(() -> CapacityProbe.bytes(new Device().answer(timeout), WHAT))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT))
                .hasMessage(WHAT + ": READ CAPACITY(16) failed: host status 0x03");

        ScsiResponse busy = new ScsiResponse(new SgIoResult(0x08, 0x04, 0, 0, 0, 32, 1, 0x1, new byte[0]),
                new byte[0]);
        assertThatThrownBy(() -> CapacityProbe.bytes(new Device().answer(busy), WHAT))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
    }

    @Test
    void shortReadCapacity16DataIsEioNamingTheNode() {
        Device device = new Device().answer(good(new byte[8]));

        assertThatThrownBy(() -> CapacityProbe.bytes(device, WHAT))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO))
                .hasMessage(WHAT + ": READ CAPACITY(16) returned 8 bytes of parameter data, fewer than the 12 needed");
    }

    @Test
    void transportFailureCrossesUnchanged() {
        IOException failure = new IOException("SG_IO refused");

        assertThatThrownBy(() -> CapacityProbe.bytes((cdb, length) -> {
            throw failure;
        }, WHAT)).isSameAs(failure);
    }
}
