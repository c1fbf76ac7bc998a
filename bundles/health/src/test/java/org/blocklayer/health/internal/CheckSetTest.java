package org.blocklayer.health.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CheckSetTest {
    private final List<String> log = new ArrayList<>();
    private final CheckSet checks = new CheckSet(n -> "blocklayer node " + n, (hcName, subject) -> {
        log.add("register " + hcName);
        return () -> log.add("unregister " + hcName);
    });

    @Test
    void reconcilingRegistersNewNamesOnceAndUnregistersGoneOnes() {
        checks.reconcile(Set.of("a", "b"));
        checks.reconcile(Set.of("b", "c"));
        checks.reconcile(Set.of("b", "c"));

        assertThat(log).containsExactlyInAnyOrder("register blocklayer node a", "register blocklayer node b",
                "unregister blocklayer node a", "register blocklayer node c");
        assertThat(checks.subjects()).containsExactlyInAnyOrder("b", "c");
    }

    @Test
    void clearUnregistersEverything() {
        checks.reconcile(Set.of("a"));
        checks.clear();

        assertThat(log).containsExactly("register blocklayer node a", "unregister blocklayer node a");
        assertThat(checks.subjects()).isEmpty();
    }
}
