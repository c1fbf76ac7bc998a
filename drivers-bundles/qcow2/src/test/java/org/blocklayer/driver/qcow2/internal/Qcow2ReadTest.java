package org.blocklayer.driver.qcow2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.graph.BlockNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The read path against QEMU's: images made by qemu-img and qemu-io, every byte compared with what QEMU reads. */
class Qcow2ReadTest {
    @TempDir
    Path dir;
    private Qcow2Fixture f;

    @BeforeEach
    void setUp() {
        f = new Qcow2Fixture(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @ParameterizedTest(name = "compat={0} cluster_size={1}")
    @MethodSource("org.blocklayer.driver.qcow2.internal.Qcow2Fixture#layouts")
    void everyByteEqualsWhatQemuReads(String compat, int cluster) throws Exception {
        Path img = dir.resolve("a.qcow2");
        long size = 8L * 1024 * 1024 + 512;
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "compat=" + compat + ",cluster_size=" + cluster,
                img.toString(), Long.toString(size)).ok();
        Qcow2Fixture.qemuIo(img, "qcow2", "write -P 0x11 0 4096", "write -P 0x22 1000 70000",
                "write -P 0x33 3M 1M", "write -z 3200K 200K", "write -P 0x44 8M 512", "write -P 0x55 6M 3");

        BlockNode node = f.open(img, "q", false, "");
        assertThat(node.driverName()).isEqualTo("qcow2");
        assertThat(node.totalSectors()).isEqualTo(size / 512);
        BlockBackend blk = f.backend("q", false);

        assertThat(f.readAll(blk)).isEqualTo(f.qemuBytes(img));
    }

    @Test
    void compressedClustersInflateAsQemuReadsThem() throws Exception {
        Path raw = dir.resolve("src.raw");
        Qcow2Fixture.run("qemu-img", "create", "-f", "raw", raw.toString(), "4M").ok();
        Qcow2Fixture.qemuIo(raw, "raw", "write -P 0x61 0 100K", "write -P 0x62 1M 1M", "write -P 0x63 3M 5");
        java.nio.file.Files.write(raw, randomBytes(300_000), java.nio.file.StandardOpenOption.WRITE);
        for (String cluster : List.of("512", "65536", "2M")) {
            Path img = dir.resolve("c" + cluster + ".qcow2");
            Qcow2Fixture.run("qemu-img", "convert", "-c", "-O", "qcow2", "-o", "cluster_size=" + cluster,
                    raw.toString(), img.toString()).ok();
            f.open(img, "c" + cluster, false, "");
            assertThat(f.readAll(f.backend("c" + cluster, false))).isEqualTo(f.qemuBytes(img))
                    .isEqualTo(java.nio.file.Files.readAllBytes(raw));
        }
    }

    @Test
    void unallocatedClustersReadTheBackingChainOrZeroesPastItsEnd_B56() throws Exception {
        Path base = dir.resolve("base.raw");
        Path mid = dir.resolve("mid.qcow2");
        Path top = dir.resolve("top.qcow2");
        Qcow2Fixture.run("qemu-img", "create", "-f", "raw", base.toString(), "1M").ok();
        Qcow2Fixture.qemuIo(base, "raw", "write -P 0x0a 0 1M");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.raw", "-F", "raw",
                mid.toString(), "2M").ok();
        Qcow2Fixture.qemuIo(mid, "qcow2", "write -P 0x0b 4000 5000", "write -z 200K 8K", "write -P 0x0c 1500K 1K");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-b", mid.toString(), "-F", "qcow2", top.toString(),
                "3M").ok();
        Qcow2Fixture.qemuIo(top, "qcow2", "write -P 0x0d 100 10", "write -P 0x0e 2500K 4K");

        BlockNode node = f.open(top, "top", false, "");
        assertThat(node.backing()).isNotNull();
        assertThat(node.backing().node().driverName()).isEqualTo("qcow2");
        assertThat(node.backing().node().backing().node().driverName()).isEqualTo("raw");
        assertThat(f.graph.info("top").backingChild()).isEqualTo(node.backing().node().nodeName());
        assertThat(f.graph.info("top").formatSpecific()).containsEntry("backing-filename", mid.toString())
                .containsEntry("backing-filename-format", "qcow2");
        BlockBackend blk = f.backend("top", false);
        assertThat(f.readAll(blk)).isEqualTo(f.qemuBytes(top));
        assertThat(QemuMap.of(blk.map(0, blk.getLength()))).isEqualTo(QemuMap.of(top));
    }

    @Test
    void blockMapEqualsQemuImgMap() throws Exception {
        Path img = dir.resolve("m.qcow2");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", img.toString(), "4M").ok();
        Qcow2Fixture.qemuIo(img, "qcow2", "write -P 1 0 64k", "write -z 1M 64k", "write -P 2 3M 200k");
        f.open(img, "m", false, "");
        BlockBackend blk = f.backend("m", false);
        assertThat(QemuMap.of(blk.map(0, blk.getLength()))).isEqualTo(QemuMap.of(img));
    }

    @Test
    void aSmallL2CacheReadsTheSameBytes() throws Exception {
        Path img = dir.resolve("l2.qcow2");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=512", img.toString(), "16M").ok();
        List<String> writes = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            writes.add("write -P " + (i + 1) + " " + (i * 250_000L) + " 700");
        }
        Qcow2Fixture.qemuIo(img, "qcow2", writes.toArray(String[]::new));
        f.open(img, "l2", false, "l2-cache-size=1024");
        assertThat(f.readAll(f.backend("l2", false))).isEqualTo(f.qemuBytes(img));
    }

    @Test
    void snapshotsLeaveTheActiveLayerAsQemuReadsIt() throws Exception {
        Path img = dir.resolve("s.qcow2");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", img.toString(), "2M").ok();
        Qcow2Fixture.qemuIo(img, "qcow2", "write -P 7 0 1M");
        Qcow2Fixture.run("qemu-img", "snapshot", "-c", "first", img.toString()).ok();
        Qcow2Fixture.qemuIo(img, "qcow2", "write -P 8 512K 1M");
        f.open(img, "s", false, "");
        assertThat(f.readAll(f.backend("s", false))).isEqualTo(f.qemuBytes(img));
        Qcow2State st = f.qcow2State("s");
        assertThat(st.snapshots).extracting(Snapshot::name).containsExactly("first");
        assertThat(f.graph.info("s").formatSpecific()).containsEntry("compat", "1.1")
                .hasEntrySatisfying("snapshot 1", v -> assertThat(v).startsWith("name=first vm-state-size=0"));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.util.Random(42).nextBytes(b);
        return b;
    }
}
