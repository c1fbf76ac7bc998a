package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The driver against nbdkit: the memory plugin, and its error, delay and block size filters for faults. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NbdkitTest {
    @TempDir
    Path dir;
    private Peers peers;
    private final TestCore core = new TestCore();

    @BeforeEach
    void setUp() {
        Peers.require("nbdkit");
        peers = new Peers(dir);
    }

    @AfterEach
    void tearDown() {
        core.close();
        if (peers != null) {
            peers.close();
        }
    }

    private static String uri(int port) {
        return "nbd://127.0.0.1:" + port;
    }

    @Test
    void memoryPluginReadsBackWhatWasWrittenAndReportsItsSize() throws Exception {
        int port = peers.nbdkit("memory", "1G");
        BlockBackend bs = core.open(uri(port), "", OpenFlags.RDWR);
        assertThat(bs.getLength()).isEqualTo(1L << 30).isEqualTo(Peers.qemuImgVirtualSize(uri(port)));
        bs.pwrite((1L << 30) - 8192, TestCore.pattern(8192, 0xe7));
        bs.pwrite(7, TestCore.pattern(3, 0x01));
        bs.flush();
        ByteBuffer tail = ByteBuffer.allocate(8192);
        bs.pread((1L << 30) - 8192, tail);
        assertThat(tail.array()).containsOnly(0xe7);
        ByteBuffer head = ByteBuffer.allocate(16);
        bs.pread(0, head);
        assertThat(head.array()).containsExactly(0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0);
        assertThat(Peers.qemuIo(uri(port), "read -P 0xe7 1073733632 8192")).doesNotContain("fail");
    }

    @Test
    void trimAndWriteZeroesReachTheServer() throws Exception {
        int port = peers.nbdkit("memory", "16M");
        BlockBackend bs = core.open(uri(port), "driver=nbd", OpenFlags.RDWR);
        bs.pwrite(0, TestCore.pattern(1 << 20, 0x55));
        core.inReader(() -> {
            core.nbd.coPwriteZeroes(core.driverNode(bs), 4096, 4096, 0);
            core.nbd.coPdiscard(core.driverNode(bs), 65536, 65536);
            return null;
        });
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        bs.pread(0, buf);
        byte[] b = buf.array();
        for (int i = 0; i < b.length; i++) {
            boolean zero = (i >= 4096 && i < 8192) || (i >= 65536 && i < 131072);
            assertThat(b[i]).as("byte %d", i).isEqualTo(zero ? (byte) 0 : (byte) 0x55);
        }
    }

    @Test
    void injectedErrorsAreEioAndTheConnectionRecoversWhenTheyStop() throws Exception {
        Path trigger = dir.resolve("inject");
        int port = peers.nbdkit("--filter=error", "memory", "1M", "error-rate=100%", "error-file=" + trigger);
        BlockBackend bs = core.open(uri(port), "", OpenFlags.RDWR);
        bs.pread(0, ByteBuffer.allocate(4096));
        Files.createFile(trigger);
        assertThatThrownBy(() -> bs.pread(0, ByteBuffer.allocate(4096))).isInstanceOfSatisfying(
                BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EIO);
                    assertThat(e.getMessage()).contains("read of 4096 bytes at offset 0").contains("EIO");
                });
        assertThatThrownBy(() -> bs.pwrite(0, ByteBuffer.allocate(512))).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        Files.delete(trigger);
        bs.pread(0, ByteBuffer.allocate(4096));
    }

    @Test
    void injectedEnospcIsEnospc() throws Exception {
        int port = peers.nbdkit("--filter=error", "memory", "1M", "error-pwrite=ENOSPC", "error-pwrite-rate=1");
        BlockBackend bs = core.open(uri(port), "", OpenFlags.RDWR);
        assertThatThrownBy(() -> bs.pwrite(0, ByteBuffer.allocate(512))).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
    }

    @Test
    void aSlowServerTimesOutWithinTheBound_X5() throws Exception {
        // A delay far beyond the timeout, so the bound below can be generous for a loaded machine and still prove
        // that the timeout, not the server's answer, ended the reads.
        int port = peers.nbdkit("--filter=delay", "memory", "1M", "rdelay=60");
        // driver=raw: without a format, probing would read the image's first bytes at open, as QEMU does.
        BlockBackend bs = core.open(uri(port), "driver=raw,file.timeout=1", 0);
        BlockBackend proto = core.attach(core.node(bs).file().node());
        long start = System.nanoTime();
        List<CompletableFuture<Void>> reads = core.concurrently(proto, 4,
                i -> proto.pread(i * 4096L, ByteBuffer.allocate(4096)));
        for (CompletableFuture<Void> f : reads) {
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOfSatisfying(BlockException.class,
                            e -> assertThat(e.errno()).isIn(Errno.ETIMEDOUT, Errno.EIO));
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(millis).as("timed out long before the 60 s delay ended").isBetween(900L, 30_000L);
    }

    @Test
    void requestsAboveTheAdvertisedMaximumAreSplit() throws Exception {
        int port = peers.nbdkit("--filter=blocksize-policy", "memory", "4M", "blocksize-minimum=512",
                "blocksize-preferred=4096", "blocksize-maximum=65536", "blocksize-error-policy=error");
        BlockBackend bs = core.open(uri(port), "", OpenFlags.RDWR);
        bs.pwrite(512, TestCore.pattern(1 << 20, 0x6b));
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        bs.pread(512, buf);
        assertThat(buf.array()).containsOnly(0x6b);
        assertThatThrownBy(() -> core.attach(core.node(bs).file().node()).pread(100, ByteBuffer.allocate(512)))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains("minimum block size 512");
                });
    }

    @Test
    void anUnknownExportIsEnoent() throws Exception {
        int port = peers.nbdkit("--filter=exportname", "memory", "1M", "exportname=disk",
                "exportname-strict=true");
        assertThatThrownBy(() -> core.open(uri(port) + "/other", "", 0)).isInstanceOfSatisfying(
                BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).contains("'other'").contains("127.0.0.1:" + port);
                });
        assertThat(core.open(uri(port) + "/disk", "", 0).getLength()).isEqualTo(1 << 20);
    }
}
