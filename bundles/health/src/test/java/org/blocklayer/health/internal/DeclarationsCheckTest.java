package org.blocklayer.health.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.felix.hc.api.Result;
import org.blocklayer.api.graph.DeclarationInfo;
import org.junit.jupiter.api.Test;

class DeclarationsCheckTest {

    @Test
    void greenWhenEveryDeclaredNodeIsOpen() {
        Result r = DeclarationsCheck.of(List.of(new DeclarationInfo("/d/org.blocklayer.node~a.cfg", "a", true, null)));
        assertThat(r.getStatus()).isEqualTo(Result.Status.OK);
        assertThat(r.toString()).contains("1 declared node, open");
        assertThat(DeclarationsCheck.of(List.of()).getStatus()).isEqualTo(Result.Status.OK);
    }

    @Test
    void redNamingEachWaitingNodeItsFileAndWhy() {
        Result r = DeclarationsCheck.of(List.of(
                new DeclarationInfo("/d/org.blocklayer.node~a.cfg", "a", true, null),
                new DeclarationInfo("/d/org.blocklayer.node~b.cfg", "b", false, "Unknown driver 'nbd' (EINVAL)")));
        assertThat(r.getStatus()).isEqualTo(Result.Status.CRITICAL);
        assertThat(r.toString()).contains("node b (/d/org.blocklayer.node~b.cfg) is not open: Unknown driver 'nbd'"
                + " (EINVAL)").doesNotContain("node a");
    }
}
