package org.blocklayer.fileinstall.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCfgFileTest {
    @TempDir
    Path dir;

    @Test
    void onlyNodeDeclarationsAreTaken() {
        assertThat(NodeCfgFile.nodeName(new File("/d/org.blocklayer.node~disk0.cfg"))).isEqualTo("disk0");
        assertThat(NodeCfgFile.nodeName(new File("/d/org.blocklayer.node~a.b-c.cfg"))).isEqualTo("a.b-c");
        assertThat(NodeCfgFile.nodeName(new File("/d/org.blocklayer.node-disk0.cfg"))).isNull();
        assertThat(NodeCfgFile.nodeName(new File("/d/org.blocklayer.node~.cfg"))).isNull();
        assertThat(NodeCfgFile.nodeName(new File("/d/org.blocklayer.node~x.cfg.tmp"))).isNull();
        assertThat(NodeCfgFile.nodeName(new File("/d/other~x.cfg"))).isNull();
    }

    @Test
    void theKeysBecomePropertiesWithTheFileTheyCameFrom() throws Exception {
        Path f = dir.resolve("org.blocklayer.node~disk0.cfg");
        Files.write(f, List.of("# a comment", "driver = raw", "file.driver=file", "file.filename=/tmp/a b.img  ",
                "size=4096"));

        NodeCfgFile cfg = NodeCfgFile.read(f.toFile());

        assertThat(cfg.name()).isEqualTo("disk0");
        assertThat(cfg.properties()).containsEntry("driver", "raw").containsEntry("file.driver", "file")
                .containsEntry("file.filename", "/tmp/a b.img").containsEntry("size", "4096")
                .containsEntry("blocklayer.file", f.toFile().toURI().toString()).hasSize(5);
    }

    @Test
    void filterValuesAreEscaped() {
        assertThat(NodeCfgInstaller.escape("org.blocklayer.node~a(b)*\\c"))
                .isEqualTo("org.blocklayer.node~a\\(b\\)\\*\\\\c");
    }
}
