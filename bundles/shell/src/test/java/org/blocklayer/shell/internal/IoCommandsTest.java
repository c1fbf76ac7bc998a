package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
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
    private final IoCommands io = new IoCommands(graph);
    @TempDir
    Path dir;

    IoCommandsTest() {
        graph.addDriver(new FileDriver(), "file", "test");
        graph.addDriver(new RawDriver(), "raw", "test");
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

        IoResult wrote = io.write("0xab", false, "d", "4K", "8K");
        assertThat(ResultFormatter.ioReport(wrote)).startsWith("wrote 8192/8192 bytes at offset 4096\n8 KiB, 1 ops; ");
        io.flush("d");
        assertThat(qemuIo(img, "read -P 0xab 4096 8192")).startsWith("read 8192/8192 bytes at offset 4096")
                .doesNotContain("Pattern verification failed");

        assertThat(qemuIo(img, "write -P 0x5a 65536 4096")).startsWith("wrote 4096/4096 bytes at offset 65536");
        assertThat(ResultFormatter.ioReport(io.read("0x5a", "d", "64K", "4K")))
                .startsWith("read 4096/4096 bytes at offset 65536");
        assertThatThrownBy(() -> io.read("0xab", "d", "0", "8K"))
                .hasToString("error: Pattern verification failed at offset 0, 8192 bytes (EINVAL)");
        assertThat(qemuIo(img, "read -P 0xab 0 8192")).contains("Pattern verification failed at offset 0, 8192 bytes");
    }

    @Test
    void dumpLooksLikeQemuIoReadVerbose() throws Exception {
        Path img = image(1 << 20);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);
        io.write("0xab", false, "d", "4096", "4096");

        String ours = ResultFormatter.hexDump(io.dump("d", "4096", "32"));
        List<String> theirs = qemuIo(img, "read -v 4096 32").lines().limit(2).toList();
        assertThat(ours.lines().toList()).isEqualTo(theirs);
    }

    @Test
    void longReadsGoInPiecesAndZeroWritesAreZero() throws Exception {
        Path img = image(3 << 20);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);
        io.write("7", false, "d", "0", "3M");
        IoResult read = io.read("7", "d", "0", "3M");
        assertThat(read.ops()).isEqualTo(3);
        io.write("", true, "d", "1M", "1M");
        io.read("0", "d", "1M", "1M");
        assertThat(ResultFormatter.ioReport(io.read("", "d", "0", "0"))).startsWith("read 0/0 bytes at offset 0");
    }

    @Test
    void resizeAndRefreshPrintTheNewLength() throws Exception {
        Path img = image(4096);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);
        assertThat(io.resize("d", "1M").length()).isEqualTo(1 << 20);
        assertThat(io.refresh("d").length()).isEqualTo(1 << 20);
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        Path img = image(4096);
        graph.open(img.toString(), BlockOptions.parse("node-name=d"), OpenFlags.RDWR);
        assertThatThrownBy(() -> io.read("0x100", "d", "0", "512")).hasToString(
                "error: block:read: PATTERN must be a byte, 0 to 255 or 0x00 to 0xff, not '0x100'; usage: block:read"
                        + " [-P PATTERN] NODE OFFSET LENGTH (EINVAL)");
        assertThatThrownBy(() -> io.write("1", true, "d", "0", "512")).hasMessageContaining("-P and -z exclude");
        assertThatThrownBy(() -> io.read("", "d", "x", "512")).hasMessageContaining("OFFSET");
        assertThatThrownBy(() -> io.read("", "d", "4096", "512")).hasToString(
                "error: node 'd', driver 'raw': Cannot read 512 bytes at offset 4096: the node ends at 4096 (EIO)");
        assertThatThrownBy(() -> io.dump("d", "0", "2M")).hasMessageContaining("over the 1M");
    }
}
