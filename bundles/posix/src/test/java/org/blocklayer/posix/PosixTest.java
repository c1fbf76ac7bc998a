package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.testing.OpenFds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixTest {

    @TempDir
    Path dir;

    private static void errno(Throwable e, Errno expected) {
        assertThat(e).isInstanceOf(PosixException.class);
        assertThat(((PosixException) e).errno()).isEqualTo(expected);
    }

    @Test
    void statOfDevNullIsTheCharacterDevice1Comma3() throws Exception {
        FileStat st = Posix.stat("/dev/null");

        assertThat(st.type()).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(st.isCharDevice()).isTrue();
        assertThat(st.rdevMajor()).isEqualTo(1);
        assertThat(st.rdevMinor()).isEqualTo(3);
    }

    @Test
    void statOfRegularFileGivesItsSizeAndNoDeviceNumbers() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[65537]);

        FileStat st = Posix.stat(file.toString());

        assertThat(st.type()).isEqualTo(FileType.REGULAR);
        assertThat(st.size()).isEqualTo(65537);
        assertThat(st.rdevMajor()).isZero();
        assertThat(st.rdevMinor()).isZero();
    }

    @Test
    void statOfDirectory() throws Exception {
        assertThat(Posix.stat(dir.toString()).type()).isEqualTo(FileType.DIRECTORY);
    }

    @Test
    void statFollowsSymbolicLinks() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("null-link"), Path.of("/dev/null"));

        assertThat(Posix.stat(link.toString()).type()).isEqualTo(FileType.CHAR_DEVICE);
        Files.delete(link);
    }

    @Test
    void statOfMissingPathIsEnoentNamingIt() {
        String missing = dir.resolve("nope").toString();

        assertThatThrownBy(() -> Posix.stat(missing))
                .satisfies(e -> errno(e, Errno.ENOENT))
                .hasMessage("stat '" + missing + "': No such file or directory");
    }

    @Test
    void fstatOfAnOpenFileAndOfDevNull() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[4096]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDONLY); Fd nul = Posix.open("/dev/null", Posix.O_RDWR)) {
            assertThat(Posix.fstat(fd)).isEqualTo(new FileStat(FileType.REGULAR, Posix.stat(file.toString()).mode(),
                    4096, 0, 0));
            assertThat(Posix.fstat(nul).type()).isEqualTo(FileType.CHAR_DEVICE);
        }
    }

    @Test
    void openOfMissingFileIsEnoentAndOfDirectoryForWritingIsEisdir() {
        String missing = dir.resolve("nope").toString();

        assertThatThrownBy(() -> Posix.open(missing, Posix.O_RDONLY))
                .satisfies(e -> errno(e, Errno.ENOENT))
                .hasMessage("open '" + missing + "': No such file or directory");
        assertThatThrownBy(() -> Posix.open(dir.toString(), Posix.O_RDWR)).satisfies(e -> errno(e, Errno.EISDIR));
    }

    @Test
    void pathWithNulIsEinvalNotAnotherFile() {
        assertThatThrownBy(() -> Posix.open("/dev/null\0/etc/passwd", Posix.O_RDONLY))
                .satisfies(e -> errno(e, Errno.EINVAL));
        assertThatThrownBy(() -> Posix.stat("/dev/null\0x")).satisfies(e -> errno(e, Errno.EINVAL));
    }

    @Test
    void seekEndOfRegularFileIsItsSize() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[65537]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDONLY)) {
            assertThat(Posix.seekEnd(fd)).isEqualTo(65537);
        }
    }

    @Test
    void blkGetSize64OnRegularFileIsEnotty() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[512]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDONLY)) {
            assertThatThrownBy(() -> Posix.ioctlGetLong(fd, Ioctls.BLKGETSIZE64))
                    .satisfies(e -> errno(e, Errno.ENOTTY))
                    .hasMessage("ioctl(BLKGETSIZE64) '" + file + "': Inappropriate ioctl for device");
        }
    }

    @Test
    void sgGetVersionNumOnDevNullFailsAsOnAnyNonSgDevice() throws Exception {
        try (Fd fd = Posix.open("/dev/null", Posix.O_RDONLY)) {
            assertThatThrownBy(() -> SgIo.versionNum(fd))
                    .isInstanceOfSatisfying(PosixException.class,
                            e -> assertThat(e.errno()).isIn(Errno.ENOTTY, Errno.EINVAL));
        }
    }

    @Test
    void everyCallAfterCloseIsEbadfAndTheDescriptorIsReallyClosed() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[512]);
        Fd fd = Posix.open(file.toString(), Posix.O_RDWR);
        int number = fd.number();
        assertThat(OpenFds.isOpen(number)).isTrue();

        fd.close();

        assertThat(fd.isOpen()).isFalse();
        assertThat(OpenFds.isOpen(number)).isFalse();
        assertThatThrownBy(() -> Posix.fstat(fd))
                .satisfies(e -> errno(e, Errno.EBADF))
                .hasMessage("fstat '" + file + "': Bad file descriptor (closed)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(512);
            assertThatThrownBy(() -> Posix.pread(fd, buf, 0)).satisfies(e -> errno(e, Errno.EBADF));
            assertThatThrownBy(() -> Posix.pwrite(fd, buf, 0)).satisfies(e -> errno(e, Errno.EBADF));
        }
        assertThatThrownBy(() -> Posix.seekEnd(fd)).satisfies(e -> errno(e, Errno.EBADF));
        assertThatThrownBy(() -> Posix.ioctlGetLong(fd, Ioctls.BLKGETSIZE64)).satisfies(e -> errno(e, Errno.EBADF));
        assertThatThrownBy(() -> Posix.fdatasync(fd)).satisfies(e -> errno(e, Errno.EBADF));
    }

    @Test
    void secondCloseDoesNotCloseTheDescriptorThatReusedTheNumber() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[512]);
        Fd first = Posix.open(file.toString(), Posix.O_RDONLY);
        first.close();
        try (Fd second = Posix.open(file.toString(), Posix.O_RDONLY)) {
            first.close();

            assertThat(OpenFds.isOpen(second.number())).isTrue();
            assertThat(Posix.fstat(second).size()).isEqualTo(512);
        }
    }

    @Test
    void closeDuringACallWaitsForThatCallBeforeGivingTheNumberBack() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[512]);
        Fd fd = Posix.open(file.toString(), Posix.O_RDONLY);
        int number = fd.acquire("test");

        fd.close();
        assertThat(fd.isOpen()).isFalse();
        assertThat(OpenFds.isOpen(number)).as("still pinned by the call in flight").isTrue();

        fd.release();
        assertThat(OpenFds.isOpen(number)).isFalse();
    }

    @Test
    void openCloseLoopLeaksNoDescriptor() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[512]);
        String missing = dir.resolve("nope").toString();
        long before = OpenFds.count();
        assertThat(OpenFds.openOn(file.toString())).isZero();

        for (int i = 0; i < 500; i++) {
            Fd fd = Posix.open(file.toString(), i % 2 == 0 ? Posix.O_RDONLY : Posix.O_RDWR);
            Posix.fstat(fd);
            fd.close();
            fd.close();
            assertThatThrownBy(() -> Posix.open(missing, Posix.O_RDONLY)).isInstanceOf(PosixException.class);
            assertThatThrownBy(() -> Posix.open(dir.toString(), Posix.O_RDWR)).isInstanceOf(PosixException.class);
        }

        assertThat(OpenFds.openOn(file.toString())).isZero();
        // Not equal: a descriptor an earlier test left to the garbage collector may close meanwhile.
        assertThat(OpenFds.count()).isLessThanOrEqualTo(before);
    }

    @Test
    void preadAndPwriteOnNativeMemoryRoundTripAndReadPastTheEndIsZeroBytes() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[1000]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDWR); Arena arena = Arena.ofConfined()) {
            MemorySegment hello = arena.allocateFrom(ValueLayout.JAVA_BYTE,
                    "hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(Posix.pwrite(fd, hello, 998)).isEqualTo(5);
            Posix.fdatasync(fd);

            MemorySegment back = arena.allocate(10);
            assertThat(Posix.pread(fd, back, 995)).isEqualTo(8);
            assertThat(new String(back.asSlice(3, 5).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII))
                    .isEqualTo("hello");
            assertThat(Posix.pread(fd, back, 5000)).isZero();
        }
        assertThat(Files.size(file)).isEqualTo(1003);
    }

    @Test
    void heapSegmentsAreRefusedBeforeAnySystemCall() throws Exception {
        try (Fd fd = Posix.open("/dev/null", Posix.O_RDONLY)) {
            assertThatThrownBy(() -> Posix.pread(fd, MemorySegment.ofArray(new byte[8]), 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void toBlockExceptionKeepsErrnoAndPutsWhatFailedFirst() {
        BlockException e = new PosixException(Errno.ENOTTY.value(), "ioctl").toBlockException("Could not query 'x'");

        assertThat(e.errno()).isEqualTo(Errno.ENOTTY);
        assertThat(e.getMessage()).isEqualTo("Could not query 'x': Inappropriate ioctl for device");
    }

    @Test
    void everyLinuxErrnoKeepsItsName() {
        PosixException e = new PosixException(15, "open 'x': Block device required");

        assertThat(e.errno().name()).isEqualTo("ENOTBLK");
        assertThat(e.toBlockException("Could not open 'x'").getMessage())
                .isEqualTo("Could not open 'x': Block device required");
    }

    @Test
    void aNumberWithoutANameKeepsItsNumberAsErrnoAndInTheText() {
        PosixException e = new PosixException(-41, "open 'x': Unknown error 41");

        assertThat(e.errno()).isNotEqualTo(Errno.EIO).extracting(Errno::value).isEqualTo(41);
        assertThat(e.errnoValue()).isEqualTo(41);
        BlockException b = e.toBlockException("Could not open 'x'");
        assertThat(b.errno().value()).isEqualTo(41);
        assertThat(b.describe()).isEqualTo("Could not open 'x': Unknown error 41 (errno 41)");
    }

    @Test
    void aJdkExceptionSaysNoErrnoAndItsTextIsNotReadForOne() {
        BlockException b = PosixException.toBlockException("Could not read 'x'",
                new IOException("No space left on device"));

        assertThat(b.errno()).isEqualTo(Errno.EIO);
        assertThat(b.getMessage()).isEqualTo("Could not read 'x': No space left on device");
    }

    @Test
    void fileTypeOfEveryModeAndItsWording() {
        assertThat(FileType.ofMode(0060660)).isEqualTo(FileType.BLOCK_DEVICE);
        assertThat(FileType.ofMode(0020666)).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(FileType.ofMode(0100644)).isEqualTo(FileType.REGULAR);
        assertThat(FileType.ofMode(0040755)).isEqualTo(FileType.DIRECTORY);
        assertThat(FileType.ofMode(0010644)).isEqualTo(FileType.FIFO);
        assertThat(FileType.ofMode(0140777)).isEqualTo(FileType.SOCKET);
        assertThat(FileType.ofMode(0120777)).isEqualTo(FileType.SYMLINK);
        assertThat(FileType.ofMode(0)).isEqualTo(FileType.UNKNOWN);
        assertThat(FileType.CHAR_DEVICE.description()).isEqualTo("a character device");
    }

    @Test
    void openFlagsAreTheLinuxValues() {
        assertThat(Posix.O_RDONLY).isZero();
        assertThat(Posix.O_RDWR).isEqualTo(2);
        assertThat(Posix.O_NONBLOCK).isEqualTo(0x800);
        assertThat(Posix.O_CLOEXEC).isEqualTo(0x80000);
        assertThat(Posix.O_DIRECT).isEqualTo(
                System.getProperty("os.arch").equals("aarch64") ? 0x10000 : 0x4000);
    }

    @Test
    void writesThroughOneFdAreVisibleThroughTheJdk() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[4]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDWR); Arena arena = Arena.ofConfined()) {
            Posix.pwrite(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, new byte[] {1, 2, 3, 4}), 0);
        }
        assertThat(Arrays.equals(Files.readAllBytes(file), new byte[] {1, 2, 3, 4})).isTrue();
    }
}
