package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.blocklayer.api.graph.NodeInfo;
import org.junit.jupiter.api.Test;

class SgCapacityCommandTest {
    private final FakeBlockGraph graph = new FakeBlockGraph();
    private final SgCapacityCommand command = new SgCapacityCommand(graph);

    @Test
    void asksTheDriverAndPrintsABareInteger() throws Exception {
        graph.add(new NodeInfo("sg0", "scsi-generic", "/dev/sg0", null, 0, 4096, null, true, false, false, "main"));
        Object result = command.execute(null, List.of("sg0"));
        assertThat(new ResultFormatter().format(result, 0, null)).hasToString("4096");
    }

    @Test
    void helpAndUsageErrors() throws Exception {
        assertThat(command.execute(null, List.of("--help"))).asString().startsWith("block:sg-capacity - ");
        assertThatThrownBy(() -> command.execute(null, List.of())).hasToString(
                "error: block:sg-capacity: missing NODE (quote generated names: '#block123', Gogo reads # as a"
                        + " comment); usage: block:sg-capacity NODE (EINVAL)");
        assertThatThrownBy(() -> command.execute(null, List.of("nosuch"))).hasMessageContaining("nosuch");
    }
}
