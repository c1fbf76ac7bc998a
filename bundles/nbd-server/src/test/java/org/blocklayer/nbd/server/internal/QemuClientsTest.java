package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** QEMU's own clients (qemu-img, qemu-io) against the server, over a unix socket and over TCP. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QemuClientsTest {
    @TempDir
    Path dir;
    private ServerFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new ServerFixture(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void qemuImgInfoSeesTheNodesLength() throws Exception {
        f.open(f.image("a.img", 65537), "disk0", false);
        f.export("disk0", null, false);

        String json = Tools.run("qemu-img", "info", "--output=json", f.uri("disk0")).ok().out();

        assertThat(json).contains("\"virtual-size\": 66048").contains("\"format\": \"raw\"");
    }
}
