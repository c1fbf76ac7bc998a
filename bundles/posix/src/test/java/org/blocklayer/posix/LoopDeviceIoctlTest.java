package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.testing.LoopDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The block-device calls on real loop devices, created and detached by each test. */
class LoopDeviceIoctlTest {
    private static final long SIZE = 3 * 1024 * 1024 + 512;

    @TempDir
    Path dir;

    private LoopDevice loop;

    @AfterEach
    void detach() throws Exception {
        if (loop != null) {
            loop.close();
        }
    }

    private LoopDevice attach(boolean readOnly) throws Exception {
        Path backing = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        loop = LoopDevice.attach(backing, readOnly);
        return loop;
    }

    @Test
    void loopDeviceIsABlockDeviceOfMajor7() throws Exception {
        attach(false);

        FileStat st = Posix.stat(loop.device);

        assertThat(st.type()).isEqualTo(FileType.BLOCK_DEVICE);
        assertThat(st.rdevMajor()).isEqualTo(7);
        assertThat(loop.device).endsWith("loop" + st.rdevMinor());
    }

    @Test
    void blkGetSize64AndSeekEndBothGiveTheBackingFileSize() throws Exception {
        attach(false);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDONLY)) {
            assertThat(Posix.ioctlGetLong(fd, Ioctls.BLKGETSIZE64)).isEqualTo(SIZE);
            assertThat(Posix.seekEnd(fd)).isEqualTo(SIZE);
            assertThat(Posix.fstat(fd).size()).as("st_size of a device node says nothing").isZero();
            assertThat(Posix.ioctlGetInt(fd, Ioctls.BLKSSZGET)).isEqualTo(512);
            assertThat(Posix.ioctlGetInt(fd, Ioctls.BLKROGET)).isZero();
        }
    }

    @Test
    void blkRoGetSaysReadOnlyForALoopDeviceAttachedReadOnly() throws Exception {
        attach(true);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDONLY)) {
            assertThat(Posix.ioctlGetInt(fd, Ioctls.BLKROGET)).isEqualTo(1);
        }
    }

    @Test
    void directIoReadsAlignedNativeMemoryAndRefusesMisalignedOffsets() throws Exception {
        attach(false);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDWR | Posix.O_DIRECT); Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(4096, 4096);
            block.fill((byte) 0x5A);
            assertThat(Posix.pwrite(fd, block, 8192)).isEqualTo(4096);
            block.fill((byte) 0);
            assertThat(Posix.pread(fd, block, 8192)).isEqualTo(4096);
            assertThat(block.get(ValueLayout.JAVA_BYTE, 4095)).isEqualTo((byte) 0x5A);

            assertThatThrownBy(() -> Posix.pread(fd, block, 100))
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(AlignedIo.probeAlignment(fd)).as("BLKSSZGET, as raw_probe_alignment asks first").isEqualTo(512);
        }
    }

    @Test
    void readPastTheEndOfTheDeviceReadsNothing() throws Exception {
        attach(false);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDONLY); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            assertThat(Posix.pread(fd, buf, SIZE - 512)).isEqualTo(512);
            assertThat(Posix.pread(fd, buf, SIZE)).isZero();
        }
    }

    @Test
    void sgGetVersionNumOnABlockDeviceFails() throws Exception {
        attach(false);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDONLY)) {
            assertThatThrownBy(() -> SgIo.versionNum(fd)).isInstanceOf(PosixException.class);
        }
    }

    @Test
    void blkZerooutZeroesTheRangeOfTheDeviceAndItsBackingFile() throws Exception {
        attach(false);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDWR | Posix.O_DIRECT); Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(8192, 4096);
            block.fill((byte) 0x5A);
            assertThat(Posix.pwrite(fd, block, 0)).isEqualTo(8192);

            Posix.blkZeroout(fd, 512, 4096);

            assertThat(Posix.pread(fd, block, 0)).isEqualTo(8192);
            assertThat(block.asSlice(0, 512).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0x5A);
            assertThat(block.asSlice(512, 4096).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
            assertThat(block.asSlice(4608, 3584).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0x5A);
        }
    }

    @Test
    void blkZerooutOfAMisalignedRangeIsEinvalNamingTheRequest() throws Exception {
        attach(false);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDWR)) {
            assertThatThrownBy(() -> Posix.blkZeroout(fd, 100, 512))
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageStartingWith("ioctl(BLKZEROOUT, 100, 512) '" + loop.device + "': ");
        }
    }

    @Test
    void blkDiscardOnALoopDevicePunchesAHoleInTheBackingFile() throws Exception {
        attach(false);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDWR | Posix.O_DIRECT); Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(1024 * 1024, 4096);
            data.fill((byte) 1);
            assertThat(Posix.pwrite(fd, data, 0)).isEqualTo(1024 * 1024);
            Posix.fdatasync(fd);

            Posix.blkDiscard(fd, 0, 1024 * 1024);

            try (Fd backing = Posix.open(loop.backing.toString(), Posix.O_RDONLY)) {
                assertThatThrownBy(() -> Posix.seekData(backing, 0)).as("the backing file has no data left")
                        .isInstanceOfSatisfying(PosixException.class,
                                e -> assertThat(e.errno()).isEqualTo(Errno.ENXIO));
            }
        }
    }

    @Test
    void blkDiscardOnADescriptorOpenedReadOnlyIsEbadf() throws Exception {
        attach(false);
        try (Fd fd = Posix.open(loop.device, Posix.O_RDONLY)) {
            assertThatThrownBy(() -> Posix.blkDiscard(fd, 0, 4096))
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        }
    }
}
