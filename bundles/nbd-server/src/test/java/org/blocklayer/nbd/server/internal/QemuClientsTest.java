package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
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
    void qemuImgInfoSeesTheNodesLengthOverUnixAndTcp() throws Exception {
        f.open(f.image("a.img", 65537), "disk0", false);
        f.export("disk0", null, false);

        assertThat(Tools.run("qemu-img", "info", "--output=json", f.uri("disk0")).ok().out())
                .contains("\"virtual-size\": 66048").contains("\"format\": \"raw\"");
        String tcp = f.onTcp();
        f.export("disk0", "d", false);
        assertThat(Tools.run("qemu-img", "info", "--output=json", tcp + "/d").ok().out())
                .contains("\"virtual-size\": 66048");
    }

    @Test
    void qemuIoWritesAndReadsPatternsOverUnixAndTcp() throws Exception {
        Path img = f.image("w.img", 4 << 20);
        f.open(img, "disk0", true);
        f.export("disk0", null, true);

        Tools.run("qemu-io", "-f", "raw", "-c", "write -P 0xab 4096 65536", "-c", "write -P 0x5c 1M 3M",
                f.uri("disk0")).ok();
        String reads = Tools.run("qemu-io", "-f", "raw", "-c", "read -P 0xab 4096 65536", "-c",
                "read -P 0x5c 1M 3M", "-c", "read -P 0 0 4096", f.uri("disk0")).ok().out();
        assertThat(reads).doesNotContain("Pattern verification failed").contains("read 65536/65536 bytes");

        String tcp = f.onTcp();
        f.export("disk0", null, true);
        Tools.run("qemu-io", "-f", "raw", "-c", "write -P 0x11 512 512", tcp + "/disk0").ok();
        assertThat(Tools.run("qemu-io", "-f", "raw", "-c", "read -P 0x11 512 512", "-c", "read -P 0xab 4096 4096",
                tcp + "/disk0").ok().out()).doesNotContain("Pattern verification failed");
        // What clients wrote is in the image, seen without blocklayer.
        byte[] file = Files.readAllBytes(img);
        assertThat(file[512]).isEqualTo((byte) 0x11);
        assertThat(file[4096 + 65535]).isEqualTo((byte) 0xab);
        assertThat(file[(1 << 20) + 5]).isEqualTo((byte) 0x5c);
    }

    @Test
    void aNodeInAnIothreadIsServedFromItsContext() throws Exception {
        f.graph.addIothread("io0");
        Path img = f.image("io.img", 4 << 20);
        f.graph.open(null, org.blocklayer.api.graph.BlockOptions.parse("driver=raw,node-name=disk0,file.driver=file,"
                + "file.filename=" + img), org.blocklayer.api.graph.OpenFlags.RDWR, "io0");
        f.export("disk0", null, true);

        Tools.run("qemu-io", "-f", "raw", "-c", "write -P 0x3e 0 1M", f.uri("disk0")).ok();
        assertThat(Tools.run("qemu-io", "-f", "raw", "-c", "read -P 0x3e 0 1M", f.uri("disk0")).ok().out())
                .doesNotContain("Pattern verification failed");
        assertThat(Files.readAllBytes(img)[65535]).isEqualTo((byte) 0x3e);
        f.server.delete("disk0", false);
    }

    @Test
    void qemuImgCompareFindsTheExportEqualToItsImage() throws Exception {
        Path img = f.image("c.img", 8 << 20);
        ServerFixture.fill(img, 1 << 20, 65536, 0x42);
        f.open(img, "disk0", false);
        f.export("disk0", null, false);
        Path copy = dir.resolve("copy.img");
        Files.copy(img, copy);

        assertThat(Tools.run("qemu-img", "compare", "-f", "raw", "-F", "raw", f.uri("disk0"), copy.toString())
                .ok().out()).contains("Images are identical.");
        ServerFixture.fill(copy, 3 << 20, 1, 0x01);
        assertThat(Tools.run("qemu-img", "compare", "-f", "raw", "-F", "raw", f.uri("disk0"), copy.toString())
                .status()).isEqualTo(1);
    }

    @Test
    @DisplayName("B54: qemu-img map over NBD (base:allocation) equals qemu-img map of the image itself")
    void qemuImgMapOverTheExportEqualsTheImagesMap_B54() throws Exception {
        Path img = f.image("m.img", 16 << 20);
        ServerFixture.fill(img, 1 << 20, 65536, 0x42);
        ServerFixture.fill(img, 9 << 20, 4096, 0x17);
        f.open(img, "disk0", false);
        f.export("disk0", null, false);

        String overNbd = Tools.run("qemu-img", "map", "--output=json", "-f", "raw", f.uri("disk0")).ok().out();
        String direct = Tools.run("qemu-img", "map", "--output=json", "-f", "raw", img.toString()).ok().out();

        assertThat(withoutOffsets(overNbd)).isEqualTo(withoutOffsets(direct));
        assertThat(overNbd).contains("\"data\": false").contains("\"data\": true");
    }

    /** Over NBD qemu-img cannot know where data lies in the file: only the offsets differ. */
    private static String withoutOffsets(String json) {
        return json.replaceAll(", \"offset\": \\d+", "");
    }
}
