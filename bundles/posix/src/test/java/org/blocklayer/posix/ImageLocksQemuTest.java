package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.blocklayer.api.graph.Permission.CONSISTENT_READ;
import static org.blocklayer.api.graph.Permission.RESIZE;
import static org.blocklayer.api.graph.Permission.WRITE;
import static org.blocklayer.api.graph.Permission.WRITE_UNCHANGED;
import static org.blocklayer.api.graph.Permission.mask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.posix.testing.ProcLocks;
import org.blocklayer.posix.testing.QemuIo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * B47 against QEMU 7.2's qemu-io on the same image, both ways. What qemu-io takes (block-backend.c blk_new_open,
 * block.c bdrv_default_perms): read-write it takes consistent read and write and shares everything, read-only
 * ({@code -r}) it takes consistent read and shares everything; on a qcow2 image its file node also takes resize
 * when writable and shares neither write nor resize, because the format writes metadata. A holder is kept open
 * interactively and is known to hold its locks once it prompts.
 */
// A separate thread: a qemu-io that never prompts would block a pipe read that no interrupt ends.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ImageLocksQemuTest {
    private static final int ALL = Permission.ALL_MASK;

    @TempDir
    Path dir;
    private String image;

    @BeforeEach
    void image() throws Exception {
        QemuIo.requireInstalled();
        // qcow2, so that a qemu-io holder can also stand for a QEMU user that does not share write.
        image = dir.resolve("a.qcow2").toString();
        Process create = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image, "1M").inheritIO().start();
        assertThat(create.waitFor()).isZero();
    }

    /** The image held by blocklayer with {@code perm} taken and {@code shared} shared, as a node would after open. */
    private ImageLocks hold(Fd fd, int perm, int shared) throws Exception {
        ImageLocks locks = new ImageLocks(fd, image);
        locks.prepare(perm, shared);
        assertThat(locks.commit(perm, shared)).isNull();
        return locks;
    }

    @Test
    void qemuIoCannotWriteWhileBlocklayerHoldsWriteUnshared_B47() throws Exception {
        try (Fd fd = Posix.open(image, Posix.O_RDWR)) {
            hold(fd, mask(CONSISTENT_READ, WRITE), ALL & ~mask(WRITE));

            QemuIo.Result write = QemuIo.run("-f", "raw", "-c", "write 0 512", image);
            assertThat(write.status()).isEqualTo(1);
            assertThat(write.output()).isEqualTo("qemu-io: can't open device " + image
                    + ": Failed to get \"write\" lock\nIs another process using the image [" + image + "]?\n");

            // A read-only qemu-io takes only consistent read, which blocklayer shares, and shares everything.
            QemuIo.Result read = QemuIo.run("-r", "-f", "raw", "-c", "read 0 512", image);
            assertThat(read.status()).isZero();
            assertThat(read.output()).startsWith("read 512/512 bytes at offset 0\n");
        }
    }

    @Test
    void blocklayerHoldsTheSameBytesAsQemuForTheSamePermissions_B47() throws Exception {
        record Case(List<String> qemuIoArgs, int perm, int shared) {
        }
        List<Case> cases = List.of(
                new Case(List.of("-f", "raw"), mask(CONSISTENT_READ, WRITE), ALL),
                new Case(List.of("-r", "-f", "raw"), mask(CONSISTENT_READ), ALL),
                new Case(List.of("-f", "qcow2"), mask(CONSISTENT_READ, WRITE, RESIZE),
                        mask(CONSISTENT_READ, WRITE_UNCHANGED)),
                new Case(List.of("-r", "-f", "qcow2"), mask(CONSISTENT_READ), mask(CONSISTENT_READ, WRITE_UNCHANGED)));
        for (Case c : cases) {
            var qemuBytes = heldByQemuIo(c.qemuIoArgs);
            try (Fd fd = Posix.open(image, Posix.O_RDWR)) {
                hold(fd, c.perm, c.shared);
                assertThat(ProcLocks.ofdLockedBytes(Path.of(image))).as("qemu-io %s", c.qemuIoArgs)
                        .isEqualTo(qemuBytes);
            }
        }
    }

    private SortedSet<Long> heldByQemuIo(List<String> args) throws Exception {
        String[] argv = Stream.concat(args.stream(), Stream.of(image))
                .toArray(String[]::new);
        try (QemuIo.Holder holder = QemuIo.hold(argv)) {
            return ProcLocks.ofdLockedBytes(Path.of(image));
        }
    }

    @Test
    void otherQemuIoProcessesSeeBlocklayerAsTheySeeQemu_B47() throws Exception {
        // The same probes against a qemu-io holding the image read-write as qcow2 and against blocklayer holding
        // what that qemu-io holds: QEMU among itself and QEMU against blocklayer answer alike.
        List<List<String>> probes = List.of(
                List.of("-f", "raw", "-c", "write 0 512"),
                List.of("-r", "-f", "raw", "-c", "read 0 512"),
                List.of("-r", "-f", "qcow2", "-c", "read 0 512"),
                List.of("-U", "-r", "-f", "qcow2", "-c", "read 0 512"),
                List.of("-f", "qcow2", "-c", "read 0 512"));
        List<String> amongQemu;
        try (QemuIo.Holder holder = QemuIo.hold("-f", "qcow2", image)) {
            amongQemu = answers(probes);
        }
        List<String> againstBlocklayer;
        try (Fd fd = Posix.open(image, Posix.O_RDWR)) {
            hold(fd, mask(CONSISTENT_READ, WRITE, RESIZE), mask(CONSISTENT_READ, WRITE_UNCHANGED));
            againstBlocklayer = answers(probes);
        }

        assertThat(againstBlocklayer).isEqualTo(amongQemu);
        assertThat(amongQemu).containsExactly(
                "1 qemu-io: can't open device " + image + ": Failed to get \"write\" lock",
                "0 read 512/512 bytes at offset 0",
                "1 qemu-io: can't open device " + image + ": Failed to get shared \"write\" lock",
                "0 read 512/512 bytes at offset 0",
                "1 qemu-io: can't open device " + image + ": Failed to get \"write\" lock");
    }

    /** Each probe's exit status and first line of output (the next ones are a hint or timings). */
    private List<String> answers(List<List<String>> probes) throws Exception {
        return probes.stream().map(args -> {
            List<String> argv = new ArrayList<>(args);
            argv.add(image);
            try {
                QemuIo.Result r = QemuIo.run(argv.toArray(String[]::new));
                return r.status() + " " + r.output().lines().findFirst().orElse("");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).collect(Collectors.toList());
    }

    @Test
    void blocklayerCannotTakeWhatARunningQemuIoUsesOrDoesNotShare_B47() throws Exception {
        try (Fd fd = Posix.open(image, Posix.O_RDWR)) {
            ImageLocks locks = new ImageLocks(fd, image);
            // A read-write qemu-io on a raw image uses write (and shares everything).
            try (QemuIo.Holder writer = QemuIo.hold("-f", "raw", image)) {
                assertThatThrownBy(() -> locks.prepare(mask(CONSISTENT_READ, WRITE), ALL & ~mask(WRITE)))
                        .isInstanceOfSatisfying(ImageLockException.class, e -> {
                            assertThat(e.getMessage()).isEqualTo("Failed to get shared \"write\" lock");
                            assertThat(e.errno()).isEqualTo(Errno.EAGAIN);
                            assertThat(e.hint()).isEqualTo("Is another process using the image [" + image + "]?");
                        });
                // Sharing write, blocklayer may write alongside it, as a second qemu-io may.
                locks.prepare(mask(CONSISTENT_READ, WRITE), ALL);
                locks.abort();
            }
            // A read-write qemu-io on a qcow2 image does not share write.
            try (QemuIo.Holder writer = QemuIo.hold("-f", "qcow2", image)) {
                assertThatThrownBy(() -> locks.prepare(mask(CONSISTENT_READ, WRITE), ALL))
                        .isInstanceOfSatisfying(ImageLockException.class, e -> {
                            assertThat(e.getMessage()).isEqualTo("Failed to get \"write\" lock");
                            assertThat(e.errno()).isEqualTo(Errno.EAGAIN);
                            assertThat(e.hint()).isEqualTo("Is another process using the image [" + image + "]?");
                        });
                locks.prepare(mask(CONSISTENT_READ), ALL);
                locks.commit(mask(CONSISTENT_READ), ALL);
            }
            assertThat(locks.lockedPerm()).isEqualTo(mask(CONSISTENT_READ));
            assertThat(locks.lockedSharedPerm()).isZero();
        }
    }

    @Test
    void readersShareTheImageBothWays_B47() throws Exception {
        try (Fd fd = Posix.open(image, Posix.O_RDONLY)) {
            ImageLocks locks = new ImageLocks(fd, image);
            // blocklayer reads while a read-only qemu-io holds the image, even without sharing write itself ...
            try (QemuIo.Holder reader = QemuIo.hold("-r", "-f", "qcow2", image)) {
                locks.prepare(mask(CONSISTENT_READ), ALL & ~mask(WRITE, RESIZE));
                locks.commit(mask(CONSISTENT_READ), ALL & ~mask(WRITE, RESIZE));
            }
            // ... and qemu-io reads while blocklayer holds it that way, but cannot write.
            QemuIo.Result read = QemuIo.run("-r", "-f", "qcow2", "-c", "read 0 512", image);
            assertThat(read.status()).isZero();
            try (QemuIo.Holder reader = QemuIo.hold("-r", "-f", "raw", image)) {
                QemuIo.Result write = QemuIo.run("-f", "raw", "-c", "write 0 512", image);
                assertThat(write.output()).contains("Failed to get \"write\" lock");
            }
        }
    }

    @Test
    void qemuIoWritesOnceBlocklayerReleasedWrite_B47() throws Exception {
        Path raw = dir.resolve("b.img");
        Files.write(raw, new byte[1 << 20]);
        try (Fd fd = Posix.open(raw.toString(), Posix.O_RDWR)) {
            ImageLocks locks = new ImageLocks(fd, raw.toString());
            locks.prepare(mask(CONSISTENT_READ, WRITE), ALL & ~mask(WRITE));
            locks.commit(mask(CONSISTENT_READ, WRITE), ALL & ~mask(WRITE));
            assertThat(QemuIo.run("-f", "raw", "-c", "write 0 512", raw.toString()).status()).isEqualTo(1);

            locks.commit(mask(CONSISTENT_READ), ALL);

            QemuIo.Result write = QemuIo.run("-f", "raw", "-c", "write 0 512", raw.toString());
            assertThat(write.status()).isZero();
            assertThat(write.output()).startsWith("wrote 512/512 bytes at offset 0\n");
            assertThat(ProcLocks.ofdLockedBytes(raw)).containsExactly(100L);
        }
    }
}
