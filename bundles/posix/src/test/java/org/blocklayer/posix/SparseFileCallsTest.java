package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.testing.DiskDir;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * fallocate(2) and lseek(SEEK_DATA/SEEK_HOLE) on sparse regular files, in a directory on the disk the build runs on
 * ({@link DiskDir}), since holes are the file system's to keep: the calls QEMU's file-posix makes for write zeroes,
 * discard and block status.
 */
class SparseFileCallsTest {
    private static final int MIB = 1024 * 1024;

    private DiskDir disk;
    private Path path;

    @BeforeEach
    void sparseFile() throws Exception {
        disk = DiskDir.create();
        path = disk.resolve("sparse.img");
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(4 * MIB);
        }
    }

    @AfterEach
    void remove() throws Exception {
        disk.close();
    }

    private static void write(Fd fd, long offset, int length, byte fill) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(length);
            buf.fill(fill);
            assertThat(Posix.pwrite(fd, buf, offset)).isEqualTo(length);
        }
    }

    private static byte[] read(Path path, long offset, int length) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    @Test
    void seekDataAndSeekHoleFindTheExtentsAndEnxioPastTheLastData() throws Exception {
        try (Fd fd = Posix.open(path.toString(), Posix.O_RDWR)) {
            write(fd, MIB, 64 * 1024, (byte) 1);

            assertThat(Posix.seekData(fd, 0)).as("a hole, data at 1 MiB").isEqualTo(MIB);
            assertThat(Posix.seekData(fd, MIB + 4096)).as("in data").isEqualTo(MIB + 4096);
            assertThat(Posix.seekHole(fd, MIB)).isEqualTo(MIB + 64 * 1024);
            assertThat(Posix.seekHole(fd, 0)).isZero();
            assertThat(Posix.seekHole(fd, 2 * MIB)).as("the trailing hole").isEqualTo(2 * MIB);
            assertThatThrownBy(() -> Posix.seekData(fd, 2 * MIB)).as("no data after the last extent")
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENXIO))
                    .hasMessageContaining("lseek(SEEK_DATA) at " + 2 * MIB).hasMessageContaining(path.toString());
            assertThatThrownBy(() -> Posix.seekHole(fd, 5 * MIB)).as("past the end of the file")
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENXIO));
        }
    }

    @Test
    void punchHoleKeepSizeDeallocatesAndReadsZerosWithoutChangingTheSize() throws Exception {
        try (Fd fd = Posix.open(path.toString(), Posix.O_RDWR)) {
            write(fd, 0, 256 * 1024, (byte) 7);

            Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, 64 * 1024, 64 * 1024);

            assertThat(read(path, 64 * 1024, 64 * 1024)).containsOnly((byte) 0);
            assertThat(read(path, 0, 64 * 1024)).containsOnly((byte) 7);
            assertThat(Posix.seekHole(fd, 0)).isEqualTo(64 * 1024);
            assertThat(Posix.seekData(fd, 64 * 1024)).isEqualTo(128 * 1024);
            assertThat(Files.size(path)).isEqualTo(4 * MIB);
        }
    }

    @Test
    void zeroRangeZeroesInPlaceAndModeZeroGrowsTheFile() throws Exception {
        try (Fd fd = Posix.open(path.toString(), Posix.O_RDWR)) {
            write(fd, 0, 8192, (byte) 3);

            Posix.fallocate(fd, Posix.FALLOC_FL_ZERO_RANGE, 100, 1000);
            assertThat(read(path, 100, 1000)).containsOnly((byte) 0);
            assertThat(read(path, 0, 100)).containsOnly((byte) 3);
            assertThat(read(path, 1100, 7092)).containsOnly((byte) 3);

            Posix.fallocate(fd, 0, 4 * MIB, MIB);
            assertThat(Files.size(path)).isEqualTo(5 * MIB);
            assertThat(read(path, 4 * MIB, 4096)).containsOnly((byte) 0);
        }
    }

    @Test
    void fallocateOnAReadOnlyDescriptorIsEbadfNamingModeRangeAndFile() throws Exception {
        try (Fd fd = Posix.open(path.toString(), Posix.O_RDONLY)) {
            assertThatThrownBy(() -> Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE,
                    0, 4096))
                    .isInstanceOfSatisfying(PosixException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EBADF);
                        assertThat(e.unsupported()).isFalse();
                    })
                    .hasMessageStartingWith("fallocate(KEEP_SIZE|PUNCH_HOLE, 0, 4096) '" + path + "': ");
        }
    }

    @Test
    void punchHoleWithoutKeepSizeIsRefusedByTheKernel() throws Exception {
        try (Fd fd = Posix.open(path.toString(), Posix.O_RDWR)) {
            assertThatThrownBy(() -> Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE, 0, 4096))
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTSUP))
                    .satisfies(e -> assertThat(((PosixException) e).unsupported()).isTrue());
        }
    }

    @Test
    void unsupportedIsQemusTranslateErr() {
        for (Errno e : new Errno[] {Errno.ENODEV, Errno.ENOSYS, Errno.ENOTSUP, Errno.ENOTTY}) {
            assertThat(new PosixException(e.value(), "x").unsupported()).as(e.name()).isTrue();
        }
        for (Errno e : new Errno[] {Errno.EINVAL, Errno.EIO, Errno.EBUSY, Errno.ENOSPC}) {
            assertThat(new PosixException(e.value(), "x").unsupported()).as(e.name()).isFalse();
        }
    }

    @Test
    void fallocateAfterCloseIsEbadfWithoutASystemCall() throws Exception {
        Fd fd = Posix.open(path.toString(), Posix.O_RDWR);
        fd.close();

        assertThatThrownBy(() -> Posix.fallocate(fd, 0, 0, 4096))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                .hasMessageContaining("(closed)");
        assertThatThrownBy(() -> Posix.seekData(fd, 0))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }
}
