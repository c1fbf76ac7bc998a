package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class DetachTimeoutCommandTest {
    private final DetachTimeoutCommand command = new DetachTimeoutCommand(new FakeBlockGraph());

    @Test
    void showsAndSetsTheTimeoutInSeconds() throws Exception {
        assertThat(command.execute(null, List.of())).isEqualTo("30");
        assertThat(command.execute(null, List.of("0.5"))).isEqualTo("0.5");
        assertThat(command.execute(null, List.of("0"))).isEqualTo("0");
        assertThat(command.execute(null, List.of("--help"))).asString().startsWith("block:detach-timeout - ");
    }

    @Test
    void badInputIsAUsageError() {
        assertThatThrownBy(() -> command.execute(null, List.of("soon"))).hasToString(
                "error: block:detach-timeout: SECONDS must be a number of seconds, not 'soon'; usage:"
                        + " block:detach-timeout [SECONDS] (EINVAL)");
        assertThatThrownBy(() -> command.execute(null, List.of("1", "2"))).hasMessageContaining("unexpected");
    }
}
