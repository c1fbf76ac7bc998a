package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The qemu-io style commands on a real graph, checked against qemu-io itself on the same raw file. */
class IoCommandsTest {
    private final Scheduler scheduler = new Scheduler();
    private final Graph graph = new Graph(scheduler, new GraphRwLock(scheduler));
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
    private final IoCommands io = new IoCommands(graph, new ShellBackends(graph), new PrintStream(progress, true));
    @TempDir
    Path dir;

    IoCommandsTest() {
        graph.addDriver(new FileDriver(), "file", "test");
        graph.addDriver(new RawDriver(), "raw", "test");
    }

    private IoResult read(String... args) throws Exception {
        return (IoResult) io.read(args);
    }

    private IoResult write(String... args) throws Exception {
        return (IoResult) io.write(args);
    }

    private DumpResult dump(String... args) throws Exception {
        return (DumpResult) io.dump(args);
    }

    private LengthResult resize(String... args) throws Exception {
        return (LengthResult) io.resize(args);
    }

    private LengthResult refresh(String... args) throws Exception {
        return (LengthResult) io.refresh(args);
    }

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    private Path image(long size) throws IOException {
        Path p = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    /** Runs qemu-io on the file; its standard output. */
    private static String qemuIo(Path image, String command) throws Exception {
        Process p = new ProcessBuilder("qemu-io", "-f", "raw", "-c", command, image.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void dataWrittenByBlocklayerReadsBackWithQemuIoAndTheOtherWayRound() throws Exception {
        Path img = image(1 << 20);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);

        IoResult wrote = write("-P", "0xab", "d", "4K", "8K");
        assertThat(ResultFormatter.ioReport(wrote)).startsWith("wrote 8192/8192 bytes at offset 4096\n8 KiB, 1 ops; ");
        io.flush("d");
        assertThat(qemuIo(img, "read -P 0xab 4096 8192")).startsWith("read 8192/8192 bytes at offset 4096")
                .doesNotContain("Pattern verification failed");

        assertThat(qemuIo(img, "write -P 0x5a 65536 4096")).startsWith("wrote 4096/4096 bytes at offset 65536");
        assertThat(ResultFormatter.ioReport(read("-P", "0x5a", "d", "64K", "4K")))
                .startsWith("read 4096/4096 bytes at offset 65536");
        assertThatThrownBy(() -> read("-P", "0xab", "d", "0", "8K"))
                .hasToString("error: Pattern verification failed at offset 0, 8192 bytes (EINVAL)");
        assertThat(qemuIo(img, "read -P 0xab 0 8192")).contains("Pattern verification failed at offset 0, 8192 bytes");
    }

    @Test
    void dumpLooksLikeQemuIoReadVerbose() throws Exception {
        Path img = image(1 << 20);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);
        write("-P", "0xab", "d", "4096", "4096");

        String ours = ResultFormatter.hexDump(dump("d", "4096", "32"));
        List<String> theirs = qemuIo(img, "read -v 4096 32").lines().limit(2).toList();
        assertThat(ours.lines().toList()).isEqualTo(theirs);
    }

    @Test
    void longReadsGoInPiecesAndZeroWritesAreZero() throws Exception {
        Path img = image(3 << 20);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);
        write("-P", "7", "d", "0", "3M");
        IoResult read = read("-P", "7", "d", "0", "3M");
        assertThat(read.ops()).isEqualTo(3);
        write("-z", "d", "1M", "1M");
        read("-P", "0", "d", "1M", "1M");
        assertThat(ResultFormatter.ioReport(read("d", "0", "0"))).startsWith("read 0/0 bytes at offset 0");
    }

    @Test
    void resizeAndRefreshPrintTheNewLength() throws Exception {
        Path img = image(4096);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);
        assertThat(resize("d", "1M").length()).isEqualTo(1 << 20);
        assertThat(refresh("d").length()).isEqualTo(1 << 20);
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        Path img = image(4096);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);
        assertThatThrownBy(() -> read("-P", "0x100", "d", "0", "512")).hasToString(
                "error: block:read: PATTERN must be a byte, 0 to 255 or 0x00 to 0xff, not '0x100'; usage: block:read"
                        + " [-P PATTERN] NODE OFFSET LENGTH (EINVAL)");
        assertThatThrownBy(() -> write("-P", "1", "-z", "d", "0", "512")).hasMessageContaining("-P and -z exclude");
        assertThatThrownBy(() -> read("d", "x", "512")).hasMessageContaining("OFFSET");
        assertThatThrownBy(() -> read("d", "4096", "512")).hasToString(
                "error: node 'd', driver 'raw': Cannot read 512 bytes at offset 4096: the node ends at 4096; nothing was read"
                        + " (EIO)");
        assertThatThrownBy(() -> dump("d", "0", "2M")).hasMessageContaining("over the 1M");
    }

    /** Issue 9 item 1: qemu-io checks the whole request first and writes nothing; so must the pieces here. */
    @Test
    void aWritePastTheEndWritesNothing() throws Exception {
        Path img = image(1 << 20);
        byte[] before = new byte[1 << 20];
        java.util.Arrays.fill(before, (byte) 0x11);
        java.nio.file.Files.write(img, before);
        graph.open(img.toString(), BlockOptions.parse("node-name=r"), OpenFlags.RDWR);

        assertThatThrownBy(() -> write("-P", "0xab", "r", "0", "2M")).hasToString("error: node 'r', driver 'raw':"
                + " Cannot write 2097152 bytes at offset 0: the node ends at 1048576; nothing was written (EIO)");
        assertThatThrownBy(() -> write("r", "512", "9223372036854775807")).hasMessageContaining(
                "Cannot write 9223372036854775807 bytes at offset 512: the node ends at 1048576");
        assertThatThrownBy(() -> write("-z", "r", "1M", "1")).hasMessageContaining("nothing was written");
        assertThat(java.nio.file.Files.readAllBytes(img)).isEqualTo(before);
        assertThat(qemuIo(img, "write -P 0xab 0 2M")).contains("write failed: Input/output error");
        assertThat(java.nio.file.Files.readAllBytes(img)).as("qemu-io too writes nothing").isEqualTo(before);
    }

    @Test
    void aReadOrDumpPastTheEndFailsBeforeReading() throws Exception {
        Path img = image(2L << 30);
        graph.open(img.toString(), BlockOptions.parse("node-name=big"), OpenFlags.RDWR);

        assertThatThrownBy(() -> read("big", "0", "3G")).hasToString("error: node 'big', driver 'raw': Cannot read"
                + " 3221225472 bytes at offset 0: the node ends at 2147483648; nothing was read (EIO)");
        assertThatThrownBy(() -> dump("big", "2G", "1")).hasMessageContaining("Cannot read 1 bytes at offset 2147483648");
        assertThat(progress.size()).isZero();
    }

    /** Ctrl-C interrupts the command's thread: it stops between pieces with ECANCELED, not an InterruptedException. */
    @Test
    void anInterruptCancelsBetweenPieces() throws Exception {
        Path img = image(4 << 20);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);

        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> read("d", "0", "4M"))
                .hasToString("error: node 'd': read cancelled after 0 of 4194304 bytes (ECANCELED)");
        assertThat(Thread.interrupted()).as("the interrupt was taken").isFalse();
    }

    /** B51: the map of a sparse raw image equals qemu-img's, extent for extent; write -z and discard punch holes. */
    @Test
    @org.junit.jupiter.api.DisplayName("B51: block:map --output json equals qemu-img map --output=json, also after"
            + " write -z -u and discard")
    void mapEqualsQemuImgMapAndZeroesAndDiscardLeaveHoles() throws Exception {
        Path img = image(4 << 20);
        assertThat(qemuIo(img, "write -P 1 64k 64k")).contains("wrote");
        assertThat(qemuIo(img, "write -P 2 1M 4k")).contains("wrote");
        graph.open(null, BlockOptions.parse("driver=raw,node-name=d,discard=unmap,file.driver=file,file.filename="
                + img), OpenFlags.RDWR);

        assertThat(ResultFormatter.mapJson(((MapResult) io.map("--output", "json", "d")).entries()))
                .isEqualTo(qemuImgMap(img));

        write("-z", "-u", "d", "64k", "64k");
        io.discard("d", "1M", "4k");
        assertThat(java.nio.file.Files.readAllBytes(img)).containsOnly(0);
        assertThat(ResultFormatter.mapJson(((MapResult) io.map("--output", "json", "d")).entries()))
                .isEqualTo(qemuImgMap(img)).doesNotContain("\"data\": true");
        assertThat(ResultFormatter.mapHuman(((MapResult) io.map("d")).entries()))
                .isEqualTo("Offset          Length          Mapped to       File");
    }

    private static String qemuImgMap(Path image) throws Exception {
        Process p = new ProcessBuilder("qemu-img", "map", "--output=json", "-f", "raw", image.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out.strip();
    }
}
