package org.blocklayer.driver.qcow2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.graph.BlockNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
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

    static Stream<Arguments> layouts() {
        List<Arguments> list = new ArrayList<>();
        for (String compat : List.of("0.10", "1.1")) {
            for (int cluster : List.of(512, 4096, 65536, 2 * 1024 * 1024)) {
                list.add(Arguments.of(compat, cluster));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "compat={0} cluster_size={1}")
    @MethodSource("layouts")
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
}
