package org.blocklayer.driver.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.testing.FakeNode;
import org.blocklayer.api.testing.Needs;
import org.blocklayer.posix.testing.LoopDevice;
import org.blocklayer.posix.testing.OpenFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDriverTest {

    private final FileDriver driver = new FileDriver();
    private final FakeNode bs = new FakeNode("n0");

    @TempDir
    Path dir;

    @AfterEach
    void closeNode() {
        driver.close(bs);
    }

    private Path image(int size, byte fill) throws IOException {
        byte[] data = new byte[size];
        Arrays.fill(data, fill);
        return Files.write(dir.resolve("a.img"), data);
    }

    private void open(Path path, int flags) throws BlockException {
        driver.open(bs, new BlockOptions().put("filename", path.toString()), flags);
    }

    @Test
    void namesItselfFileAsFormatAndProtocolAndIsNotVariableLength() {
        assertThat(driver.formatName()).isEqualTo("file");
        assertThat(driver.protocolName()).isEqualTo("file");
        assertThat(driver.hasVariableLength()).isFalse();
        assertThat(driver).isInstanceOf(GetLength.class);
    }

    @Test
    @DisplayName("B5: length is the exact file size without worker thread")
    void lengthIsTheExactFileSizeWithoutWorkerThread_B5() throws Exception {
        open(image(65537, (byte) 1), 0);

        assertThat(driver.coGetLength(bs)).isEqualTo(65537);
        assertThat(bs.poolCalls()).isZero();
    }

    @Test
    void openTakesFilenameAioCacheDirectAndLockingButLeavesOptionsItDoesNotImplement() throws Exception {
        BlockOptions options = new BlockOptions().put("filename", image(512, (byte) 0).toString())
                .put("aio", "threads").put("cache.direct", "off").put("locking", "off").put("x-check-cache-dropped",
                        "on");

        driver.open(bs, options, 0);

        assertThat(options.keys()).containsExactly("x-check-cache-dropped");
    }

    @Test
    @DisplayName("B6: read past end of file fills the rest with zeros")
    void readPastEndOfFileFillsTheRestWithZeros_B6() throws Exception {
        open(image(65537, (byte) 0xAB), 0);
        ByteBuffer buf = ByteBuffer.allocate(512);
        Arrays.fill(buf.array(), (byte) 0x55);

        driver.coPreadv(bs, 65536, buf, 0);

        assertThat(buf.hasRemaining()).isFalse();
        assertThat(buf.get(0)).isEqualTo((byte) 0xAB);
        assertThat(Arrays.copyOfRange(buf.array(), 1, 512)).containsOnly((byte) 0);
        assertThat(bs.poolCalls()).isEqualTo(1);
    }

    @Test
    void readWhollyBeyondEndOfFileReadsZeros() throws Exception {
        open(image(100, (byte) 7), 0);
        ByteBuffer buf = ByteBuffer.wrap(new byte[8192]);
        Arrays.fill(buf.array(), (byte) 9);

        driver.coPreadv(bs, 1 << 20, buf, 0);

        assertThat(buf.array()).containsOnly((byte) 0);
    }

    @Test
    void writeThenReadBackThroughTheWorkerPool() throws Exception {
        open(image(4096, (byte) 0), OpenFlags.RDWR);

        driver.coPwritev(bs, 1000, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), 0);
        driver.coFlush(bs);
        ByteBuffer back = ByteBuffer.allocate(5);
        driver.coPreadv(bs, 1000, back, 0);

        assertThat(new String(back.array(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(bs.poolCalls()).isEqualTo(3);
    }

    @Test
    void writePastEndOfFileGrowsTheFile() throws Exception {
        Path path = image(512, (byte) 0);
        open(path, OpenFlags.RDWR);

        driver.coPwritev(bs, 1024, ByteBuffer.allocate(512), 0);

        assertThat(driver.coGetLength(bs)).isEqualTo(1536);
        assertThat(Files.size(path)).isEqualTo(1536);
    }

    @Test
    void writeToFileOpenedReadOnlyIsRefusedWithEbadf() throws Exception {
        Path path = image(512, (byte) 0);
        open(path, 0);

        assertThatThrownBy(() -> driver.coPwritev(bs, 0, ByteBuffer.allocate(512), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                .hasMessageStartingWith("node 'n0', driver 'file': Could not write to '" + path + "': "
                        + "Bad file descriptor");
        assertThat(bs.poolCalls()).isZero();
    }

    @Test
    void flushOnReadOnlyFileSucceeds() throws Exception {
        open(image(512, (byte) 0), 0);

        driver.coFlush(bs);

        assertThat(bs.poolCalls()).isEqualTo(1);
    }

    @Test
    void missingFilenameIsEinval() {
        assertThatThrownBy(() -> driver.open(bs, new BlockOptions(), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("The 'file' block driver requires a file name");
    }

    @Test
    void missingFileIsEnoentAsQemuSaysIt() {
        Path missing = dir.resolve("nope.img");

        assertThatThrownBy(() -> open(missing, 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("Could not open '" + missing + "': No such file or directory");
        assertThat(bs.opaque(FileState.class)).isNull();
    }

    @Test
    void emptyFilenameIsEnoentNotTheWorkingDirectory() {
        assertThatThrownBy(() -> driver.open(bs, new BlockOptions().put("filename", ""), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("Could not open '': No such file or directory");
    }

    @Test
    void directoryIsRefusedAtOpenWithEisdir() {
        for (int flags : new int[] {0, OpenFlags.RDWR}) {
            assertThatThrownBy(() -> open(dir, flags))
                    .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EISDIR))
                    .hasMessage("Could not open '" + dir + "': Is a directory");
        }
    }

    @Test
    void characterDeviceIsRefusedAsQemuDoesWithoutTheBlockDeviceHint() {
        Needs.that(Files.exists(Path.of("/dev/null")) && Files.exists(Path.of("/dev/zero")), "/dev/null and /dev/zero");

        // qemu-io --image-opts driver=file,filename=/dev/null: 'file' driver requires '/dev/null' to be a regular file
        for (String dev : new String[] {"/dev/null", "/dev/zero"}) {
            assertThatThrownBy(() -> open(Path.of(dev), 0))
                    .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessage("'file' driver requires '" + dev + "' to be a regular file (it is a character device)");
        }
    }

    @Test
    void fifoIsRefusedAsAFifoWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Needs.that(mkfifo.waitFor() == 0, "mkfifo(1) making a FIFO in " + dir);

        assertThatThrownBy(() -> open(fifo, 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("'file' driver requires '" + fifo + "' to be a regular file (it is a FIFO)");
    }

    @Test
    void onlyABlockDeviceGetsTheHostDeviceHint() throws Exception {
        Path backing = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        try (LoopDevice loop = LoopDevice.attach(backing, true)) {
            assertThatThrownBy(() -> open(Path.of(loop.device), 0))
                    .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessage("'file' driver requires '" + loop.device + "' to be a regular file (it is a block"
                            + " device; use driver host_device for block devices)");
        }
    }

    @Test
    void aSymlinkLoopIsEloopAsQemuSaysIt() throws Exception {
        Path a = dir.resolve("loopa");
        Files.createSymbolicLink(a, dir.resolve("loopb"));
        Files.createSymbolicLink(dir.resolve("loopb"), a);

        // qemu-io -f raw /tmp/loopa: Could not open '/tmp/loopa': Too many levels of symbolic links
        assertThatThrownBy(() -> open(a, 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ELOOP))
                .hasMessage("Could not open '" + a + "': Too many levels of symbolic links");
    }

    @Test
    void aTooLongNameIsEnametoolong() {
        Path tooLong = dir.resolve("n".repeat(300));

        assertThatThrownBy(() -> open(tooLong, 0))
                .isInstanceOfSatisfying(BlockException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.ENAMETOOLONG))
                .hasMessage("Could not open '" + tooLong + "': File name too long");
    }

    @Test
    void aFileNameWithControlCharactersIsEchoedEscaped() {
        Path odd = dir.resolve("a\u001b[2Jb");

        assertThatThrownBy(() -> open(odd, 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("Could not open '" + dir + "/a\\x1b[2Jb': No such file or directory");
    }

    /**
     * A file without read permission is EACCES in QEMU's words. Root (as CI runs) is never refused by file modes, so
     * there the same open runs in a child JVM as user {@code nobody} ({@code runuser -u nobody}, {@link OpenAsChild}),
     * next to a readable file in the same directory that must open, so that the denial comes from the file's mode.
     */
    @Test
    void unreadableFileIsEacces() throws Exception {
        Path path = image(512, (byte) 0);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("---------"));
        String denied = "Could not open '" + path + "': Permission denied";

        if (!Files.isReadable(path)) {
            assertThatThrownBy(() -> open(path, 0))
                    .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES))
                    .hasMessage(denied);
            return;
        }
        // Root: permissions are not enforced for this JVM, so ask an unprivileged one.
        Path readable = Files.write(dir.resolve("readable.img"), new byte[512]);
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        List<String> lines = runAsNobody(OpenAsChild.class, readable.toString(), path.toString());

        assertThat(lines).containsExactly("user nobody", readable + ": opened", path + ": EACCES " + denied);
    }

    /**
     * Runs {@code main} in a child JVM as user nobody through runuser(1), on a copy of this JVM's class path that
     * nobody can read (the originals may sit under /root); the child's output lines. Skips (under CI: fails) when
     * runuser is missing or cannot start the child as nobody.
     */
    private List<String> runAsNobody(Class<?> main, String... args) throws Exception {
        Needs.tool("runuser", "util-linux");
        Path cp = Files.createDirectory(dir.resolve("classpath"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = cp.resolve(Integer.toString(i++) + (Files.isDirectory(from) ? "" : ".jar"));
            copyReadableByAll(from, to);
            entries.add(to.toString());
        }
        Files.setPosixFilePermissions(cp, PosixFilePermissions.fromString("rwxr-xr-x"));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "nobody", "--", javaBin, "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "-cp", String.join(File.pathSeparator, entries),
                main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cp.toFile()).redirectErrorStream(true).start();
        String out;
        try (var stdout = p.getInputStream(); var stdin = p.getOutputStream()) {
            out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM as nobody finished: %s", out).isTrue();
        Needs.that(out.startsWith("user nobody"), "a JVM run as user nobody (" + String.join(" ", cmd.subList(0, 5))
                + " ...): exit " + p.exitValue() + ", " + out.strip());
        assertThat(p.exitValue()).as("child JVM as nobody: %s", out).isZero();
        return out.lines().filter(l -> !l.startsWith("WARNING:")).toList();
    }

    private static void copyReadableByAll(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
            return;
        }
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(p, target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }

    @Test
    void aioOtherThanThreadsOrIoUringIsEinvalNamingTheValue() throws Exception {
        String filename = image(512, (byte) 0).toString();

        assertThatThrownBy(() -> driver.open(bs, new BlockOptions().put("filename", filename).put("aio", "bogus"), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessageContaining("'bogus'");
        assertThatThrownBy(() -> driver.open(bs, new BlockOptions().put("filename", filename).put("aio", "native"), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("aio=native was specified, but is not supported in this build.");
    }

    @Test
    void ioAfterCloseIsEbadfNamingNodeAndDriver() throws Exception {
        Path path = image(512, (byte) 0);
        open(path, 0);
        driver.close(bs);
        driver.close(bs);

        assertThatThrownBy(() -> driver.coPreadv(bs, 0, ByteBuffer.allocate(512), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                .hasMessage("node 'n0', driver 'file': Could not read from '" + path + "': Bad file descriptor");
        assertThatThrownBy(() -> driver.coGetLength(bs))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                .hasMessageStartingWith("node 'n0', driver 'file': Could not get the length of '" + path + "'");
    }

    /**
     * Close gives back the one descriptor open took, once: a second close leaves alone a descriptor opened since on
     * the same file (it may have the same number), and a node never opened has nothing to give back.
     * Breaks if: FileDriver.close no longer closes its state ({@code ProtocolIo.close} without
     * {@code close.accept(state)}).
     */
    @Test
    void closeGivesBackTheDescriptorOnceAndANodeNeverOpenedHasNoneToGive() throws Exception {
        Path path = image(512, (byte) 7);
        open(path, OpenFlags.RDWR);
        assertThat(OpenFds.openOn(path.toString())).as("the file and its image locks").isPositive();

        driver.close(bs);
        assertThat(OpenFds.openOn(path.toString())).isZero();
        try (RandomAccessFile other = new RandomAccessFile(path.toFile(), "r")) {
            driver.close(bs);
            assertThat(OpenFds.openOn(path.toString())).isEqualTo(1);
            assertThat(other.read()).isEqualTo(7);
        }

        FakeNode never = new FakeNode("never");
        driver.close(never);
        assertThat(never.opaque(Object.class)).isNull();
        assertThat(OpenFds.openOn(path.toString())).isZero();
    }
}
