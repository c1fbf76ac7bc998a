package org.blocklayer.health.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.StreamSupport;

import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.blocklayer.api.graph.NodeInfo;
import org.junit.jupiter.api.Test;

class NodeHealthTest {

    static String message(Result result) {
        return StreamSupport.stream(result.spliterator(), false).map(ResultLog.Entry::getMessage).findFirst()
                .orElse("");
    }

    private static NodeInfo node(String driver, long length, String lengthError, String goneDriver) {
        return new NodeInfo("disk", driver, "/tmp/disk.img", null, 2048, length, lengthError, false, true, false,
                "main", goneDriver);
    }

    @Test
    void aNodeWithoutMediumIsCriticalNamingTheDriverThatWent() {
        Result result = NodeHealth.of(node(null, -1, "No medium found", "file"));

        assertThat(result.getStatus()).isEqualTo(Result.Status.CRITICAL);
        assertThat(message(result)).isEqualTo("no medium: driver file gone");
    }

    @Test
    void aNodeWhoseLengthCannotBeReadIsAWarningWithTheReason() {
        Result result = NodeHealth.of(node("nbd", -1, "Connection timed out (ETIMEDOUT)", null));

        assertThat(result.getStatus()).isEqualTo(Result.Status.WARN);
        assertThat(message(result)).isEqualTo("driver nbd, length unreadable: Connection timed out (ETIMEDOUT)");
    }

    @Test
    void aHealthyNodeIsOkWithItsDriverAndLength() {
        Result result = NodeHealth.of(node("raw", 1048576, null, null));

        assertThat(result.getStatus()).isEqualTo(Result.Status.OK);
        assertThat(message(result)).isEqualTo("driver raw, length 1048576");
    }
}
