package org.blocklayer.driver.hostdevice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.testing.Needs;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;
import org.blocklayer.posix.testing.LoopDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * host_device inside a real graph on a real loop device, checked against QEMU's own tools: a plain /dev path opens
 * raw over host_device as in QEMU, lengths equal qemu-img's, data crosses both ways with qemu-io, and a device grown
 * underneath shows its new size after resize/refresh while the cached length stays as QEMU's would (B10).
 */
class LoopDeviceFidelityTest {
    private final Scheduler scheduler = new Scheduler();
    private final Graph graph = new Graph(scheduler, new GraphRwLock(scheduler));
    @TempDir
    Path dir;
    private LoopDevice loop;

    LoopDeviceFidelityTest() {
        graph.addDriver(new FileDriver(), "file", "test");
        graph.addDriver(new RawDriver(), "raw", "test");
        graph.addDriver(new HostDeviceDriver(), "host_device", "test");
    }

    @AfterEach
    void tearDown() throws Exception {
        scheduler.close();
        if (loop != null) {
            loop.close();
        }
    }

    private Path backing(long size) throws Exception {
        Path p = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    /** Runs a qemu-utils peer; skips (under CI: fails) when it is not installed. */
    private static String run(String... cmd) throws Exception {
        Needs.tool(cmd[0], "qemu-utils");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }

    private static long qemuImgVirtualSize(String path) throws Exception {
        Matcher m = Pattern.compile("\"virtual-size\":\\s*(\\d+)")
                .matcher(run("qemu-img", "info", "-f", "raw", "--output=json", path));
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void aLoopDeviceOpensAsRawOverHostDeviceWithQemuImgsLength() throws Exception {
        loop = LoopDevice.attach(backing(8 << 20), false);
        BlockNode node = graph.open(loop.device, BlockOptions.parse("node-name=disk"), OpenFlags.RDWR);

        assertThat(node.driverName()).isEqualTo("raw");
        assertThat(node.file().node().driverName()).isEqualTo("host_device");
        assertThat(graph.getLength("disk")).isEqualTo(qemuImgVirtualSize(loop.device)).isEqualTo(8 << 20);

        BlockNode window = graph.open(null, BlockOptions.parse("driver=raw,offset=1M,size=2M,file.driver=host_device,"
                + "file.filename=" + loop.device), OpenFlags.RDWR);
        assertThat(window.getLength()).isEqualTo(2 << 20);
    }

    @Test
    void dataCrossesBothWaysWithQemuIo() throws Exception {
        loop = LoopDevice.attach(backing(8 << 20), false);
        BlockNode node = graph.open(loop.device, BlockOptions.parse("node-name=disk"), OpenFlags.RDWR);

        byte[] ab = new byte[8192];
        Arrays.fill(ab, (byte) 0xab);
        // The writer lets go (and so does its image lock) before qemu-io opens the device read-write.
        try (BlockBackend writer = graph.attach(node.nodeName(), "", EnumSet.of(Permission.CONSISTENT_READ,
                Permission.WRITE), EnumSet.allOf(Permission.class))) {
            writer.pwrite(4096, ByteBuffer.wrap(ab));
            writer.flush();
        }
        assertThat(run("qemu-io", "-f", "raw", "-c", "read -P 0xab 4096 8192", loop.device))
                .startsWith("read 8192/8192 bytes at offset 4096").doesNotContain("Pattern verification failed");

        run("qemu-io", "-f", "raw", "-c", "write -P 0x5a 1048576 4096", loop.device);
        ByteBuffer back = ByteBuffer.allocate(4096);
        try (BlockBackend reader = graph.attach(node.nodeName(), "", EnumSet.of(Permission.CONSISTENT_READ),
                EnumSet.allOf(Permission.class))) {
            reader.pread(1 << 20, back);
        }
        byte[] expected = new byte[4096];
        Arrays.fill(expected, (byte) 0x5a);
        assertThat(back.array()).isEqualTo(expected);
    }

    @Test
    void aDeviceGrownUnderneathShowsItsSizeAfterResizeOrRefreshOnly() throws Exception {
        Path file = backing(8 << 20);
        loop = LoopDevice.attach(file, false);
        graph.open(loop.device, BlockOptions.parse("node-name=disk"), OpenFlags.RDWR);
        graph.open(loop.device, BlockOptions.parse("node-name=other"), 0);

        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        loop.refreshSize();
        assertThat(qemuImgVirtualSize(loop.device)).isEqualTo(16 << 20);

        // host_device is not variable-length: the cached size stays until someone asks again (B10).
        assertThat(graph.getLength("disk")).isEqualTo(8 << 20);
        assertThat(graph.resize("disk", 16 << 20)).isEqualTo(16 << 20);
        assertThat(graph.getLength("other")).isEqualTo(8 << 20);
        assertThat(graph.refresh("other")).isEqualTo(16 << 20);
    }
}
