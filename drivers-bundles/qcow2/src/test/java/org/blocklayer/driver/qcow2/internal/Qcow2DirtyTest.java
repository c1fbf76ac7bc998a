package org.blocklayer.driver.qcow2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.blocklayer.api.backend.BlockBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dirty bit and lazy refcounts: an image QEMU left dirty is repaired when opened read-write, as QEMU does. */
class Qcow2DirtyTest {
    @TempDir
    Path dir;

    @Test
    void aDirtyImageOpenedReadWriteHasItsRefcountsRepaired() throws Exception {
        Path img = dir.resolve("dirty.qcow2");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "lazy_refcounts=on,cluster_size=4096",
                img.toString(), "8M").ok();
        // qemu-io killed by its own SIGKILL: lazy refcounts never written, the dirty bit left set.
        Qcow2Fixture.run("qemu-io", "-c", "write -P 1 0 1M", "-c", "write -P 2 3M 100k", "-c", "sigraise 9",
                img.toString());
        assertThat(Qcow2Fixture.run("qemu-img", "info", "--output=json", img.toString()).ok().out())
                .contains("\"dirty-flag\": true");
        byte[] before;
        try (Qcow2Fixture f = new Qcow2Fixture(dir)) {
            f.open(img, "ro", false, "");
            before = f.readAll(f.backend("ro", false));
        }
        try (Qcow2Fixture f = new Qcow2Fixture(dir)) {
            f.open(img, "d", true, "");
            BlockBackend blk = f.backend("d", true);
            assertThat(f.readAll(blk)).isEqualTo(before);
            blk.pwrite(5L << 20, ByteBuffer.wrap(new byte[] {9, 9, 9}));
            blk.flush();
            before[5 << 20] = 9;
            before[(5 << 20) + 1] = 9;
            before[(5 << 20) + 2] = 9;
        }
        Qcow2Fixture.assertChecksClean(img);
        assertThat(Qcow2Fixture.run("qemu-img", "info", "--output=json", img.toString()).ok().out())
                .contains("\"dirty-flag\": false");
        try (Qcow2Fixture f = new Qcow2Fixture(dir)) {
            assertThat(f.qemuBytes(img)).isEqualTo(before);
        }
    }
}
