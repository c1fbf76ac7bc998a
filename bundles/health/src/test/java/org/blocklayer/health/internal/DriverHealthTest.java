package org.blocklayer.health.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.blocklayer.health.internal.NodeHealthTest.message;

import java.util.List;

import org.apache.felix.hc.api.Result;
import org.blocklayer.api.graph.DriverInfo;
import org.junit.jupiter.api.Test;

class DriverHealthTest {
    private static final DriverInfo FILE = new DriverInfo("file", "protocol", "org.blocklayer.driver.file", "1.0.0",
            2);

    @Test
    void aRegisteredDriverIsOkWithTheNumberOfNodesUsingIt() {
        Result result = DriverHealth.of("file", FILE, List.of());

        assertThat(result.getStatus()).isEqualTo(Result.Status.OK);
        assertThat(message(result)).isEqualTo("driver file (org.blocklayer.driver.file 1.0.0): 2 nodes");
    }

    @Test
    void aGoneDriverThatNodesWaitForIsCritical() {
        Result result = DriverHealth.of("file", null, List.of("a", "b"));

        assertThat(result.getStatus()).isEqualTo(Result.Status.CRITICAL);
        assertThat(message(result)).isEqualTo("driver file gone: 2 nodes without medium (a, b)");
    }

    @Test
    void aDriverBackThatCouldNotReopenItsNodesStaysCritical() {
        Result result = DriverHealth.of("file", FILE, List.of("a"));

        assertThat(result.getStatus()).isEqualTo(Result.Status.CRITICAL);
        assertThat(message(result)).isEqualTo("driver file is back but could not reopen 1 node without medium (a)");
    }

    @Test
    void aDriverNeitherRegisteredNorAwaitedIsAWarning() {
        assertThat(DriverHealth.of("nbd", null, List.of()).getStatus()).isEqualTo(Result.Status.WARN);
    }
}
