package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.posix.testing.QemuIo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * B47: the file driver holds QEMU's image locks for the permissions the graph gives its node, so qemu-io and
 * blocklayer refuse each other as two QEMU processes do, and read-only users share.
 */
@Timeout(120)
class ImageLockingTest {
    private static final Set<Permission> READ = EnumSet.of(Permission.CONSISTENT_READ);
    private static final Set<Permission> READ_WRITE = EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE);
    /** What a guest device shares: everything but write. */
    private static final Set<Permission> DEVICE_SHARED = EnumSet.of(Permission.CONSISTENT_READ,
            Permission.WRITE_UNCHANGED, Permission.RESIZE);

    private final CoreFixture core = new CoreFixture();
    @TempDir
    Path dir;
    private Path img;

    @BeforeEach
    void setUp() throws Exception {
        QemuIo.requireInstalled();
        core.addFileAndRawDrivers("1.0.0");
        img = CoreFixture.sparseFile(dir, "disk.img", 1 << 20);
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    private BlockBackend device(String options) throws BlockException {
        core.graph.open(img.toString(), BlockOptions.parse("node-name=disk" + options), OpenFlags.RDWR);
        return core.graph.attach("disk", "dev", READ_WRITE, DEVICE_SHARED);
    }

    @Test
    @DisplayName("B47: qemu-io cannot write an image blocklayer holds for writing; it can read it")
    void qemuIoIsRefusedWhileBlocklayerWrites() throws Exception {
        BlockBackend dev = device("");
        dev.pwrite(0, ByteBuffer.allocate(512));

        QemuIo.Result write = QemuIo.run("-f", "raw", "-c", "write 0 512", img.toString());
        assertThat(write.output()).contains("Failed to get \"write\" lock",
                "Is another process using the image [" + img + "]?");
        assertThat(write.status()).isNotZero();
        QemuIo.Result read = QemuIo.run("-r", "-f", "raw", "-c", "read 0 512", img.toString());
        assertThat(read.output()).contains("read 512/512 bytes at offset 0");

        dev.close();
        assertThat(QemuIo.run("-f", "raw", "-c", "write 0 512", img.toString()).output())
                .as("locks go with the backend").contains("wrote 512/512 bytes at offset 0");
    }

    @Test
    @DisplayName("B47: blocklayer cannot take an image qemu-io holds for writing without sharing write")
    void blocklayerIsRefusedWhileQemuIoWrites() throws Exception {
        try (QemuIo.Holder qemu = QemuIo.hold("-f", "raw", img.toString())) {
            assertThatThrownBy(() -> device("")).isInstanceOfSatisfying(BlockException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EAGAIN);
                assertThat(e.getMessage()).endsWith("Failed to get shared \"write\" lock. Is another process using"
                        + " the image [" + img + "]?");
            });
            assertThat(core.graph.backends()).as("nothing attached").isEmpty();
            // A reader that shares everything fits beside qemu-io's writer.
            core.graph.attach("disk", "reader", READ, Permission.ALL).close();
        }
    }

    @Test
    @DisplayName("B47: locking=off takes no locks")
    void lockingOffTakesNone() throws Exception {
        core.graph.open(null, BlockOptions.parse("driver=raw,node-name=disk,file.driver=file,file.locking=off,"
                + "file.filename=" + img), OpenFlags.RDWR);
        core.graph.attach("disk", "dev", READ_WRITE, DEVICE_SHARED);

        assertThat(QemuIo.run("-f", "raw", "-c", "write 0 512", img.toString()).output())
                .contains("wrote 512/512 bytes at offset 0");
        assertThatThrownBy(() -> core.graph.open(null, BlockOptions.parse("driver=file,node-name=x,locking=maybe,"
                + "filename=" + img), OpenFlags.RDWR)).hasMessageContaining(
                "Invalid parameter value for 'locking': 'maybe' (expected auto, on or off)");
    }
}
