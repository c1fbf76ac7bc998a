package org.blocklayer.core.internal.declare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.Test;

class NodeDeclarationTest {

    private static final String CFG = "/srv/blocklayer/deploy/org.blocklayer.node~disk0.cfg";

    @Test
    void theNodeIsNamedAfterThePidAndFrameworkKeysAreNotOptions() throws Exception {
        NodeDeclaration d = NodeDeclaration.of(Map.of("service.pid", "org.blocklayer.node~disk0",
                "service.factoryPid", "org.blocklayer.node", "felix.fileinstall.filename", "file:" + CFG,
                "component.name", "x", "component.id", 7L, "osgi.ds.satisfying.condition.target", "(osgi.condition.id=true)",
                "driver", "raw", "file.driver", "file", "file.filename", "/tmp/a.img", "size", 4096));

        assertThat(d.nodeName()).isEqualTo("disk0");
        assertThat(d.source()).isEqualTo(CFG);
        assertThat(d.filename()).isNull();
        assertThat(d.options()).containsOnly(Map.entry("driver", "raw"), Map.entry("file.driver", "file"),
                Map.entry("file.filename", "/tmp/a.img"), Map.entry("size", "4096"), Map.entry("node-name", "disk0"));
        assertThat(d.flags()).isEqualTo(OpenFlags.RDWR);
        assertThat(d.iothread()).isNull();
    }

    @Test
    void withoutADriverTheFilenameIsWhatBlockOpenTakesAsItsArgument() throws Exception {
        NodeDeclaration d = NodeDeclaration.of(Map.of("service.pid", "org.blocklayer.node~n",
                "filename", "nbd://127.0.0.1:10809/exp", "read-only", "on", "iothread", "io0"));

        assertThat(d.filename()).isEqualTo("nbd://127.0.0.1:10809/exp");
        assertThat(d.options()).containsOnly(Map.entry("node-name", "n"));
        assertThat(d.flags()).isZero();
        assertThat(d.iothread()).isEqualTo("io0");
    }

    @Test
    void anExplicitNodeNameWinsAndWithDriverFilenameStaysAnOption() throws Exception {
        NodeDeclaration d = NodeDeclaration.of(Map.of("service.pid", "org.blocklayer.node~cfgname",
                "node-name", "other", "driver", "file", "filename", "/tmp/a.img"));

        assertThat(d.nodeName()).isEqualTo("other");
        assertThat(d.filename()).isNull();
        assertThat(d.options()).containsEntry("filename", "/tmp/a.img");
    }

    @Test
    void aRenamedFileOpensTheSameNode() throws Exception {
        NodeDeclaration a = NodeDeclaration.of(Map.of("service.pid", "org.blocklayer.node~n",
                "felix.fileinstall.filename", "/a/org.blocklayer.node~n.cfg", "filename", "/tmp/a.img"));
        NodeDeclaration b = NodeDeclaration.of(Map.of("service.pid", "org.blocklayer.node~n",
                "felix.fileinstall.filename", "/b/org.blocklayer.node~n.cfg", "filename", "/tmp/a.img"));
        NodeDeclaration c = NodeDeclaration.of(Map.of("service.pid", "org.blocklayer.node~n",
                "filename", "/tmp/a.img", "read-only", "on"));

        assertThat(a.opensSameAs(b)).isTrue();
        assertThat(a.opensSameAs(c)).isFalse();
        assertThat(a.opensSameAs(null)).isFalse();
    }

    @Test
    void badValuesAreRefusedNamingTheFileAndTheKey() {
        assertThatThrownBy(() -> NodeDeclaration.of(Map.of("felix.fileinstall.filename", CFG, "driver", "file",
                "read-only", "maybe")))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains(CFG).contains("read-only").contains("maybe");
                });
        assertThatThrownBy(() -> NodeDeclaration.of(Map.of("felix.fileinstall.filename", CFG, "size", "1")))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.getMessage())
                        .contains(CFG).contains("neither 'driver' nor 'filename'"));
        assertThatThrownBy(() -> NodeDeclaration.of(Map.of("felix.fileinstall.filename", CFG, "driver", "file",
                "filename", new String[] {"/a", "/b"})))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.getMessage())
                        .contains("'filename' is a list"));
    }
}
