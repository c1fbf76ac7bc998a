package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The driver against qemu-nbd (QEMU's own server), with qemu-img and qemu-io as the reference client. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QemuNbdTest {
    @TempDir
    Path dir;
    private Peers peers;
    private final TestCore core = new TestCore();

    @AfterEach
    void tearDown() {
        core.close();
        if (peers != null) {
            peers.close();
        }
    }

    private Peers peers() {
        if (peers == null) {
            peers = new Peers(dir);
        }
        return peers;
    }

    private Path image(long size) throws Exception {
        Path p = Files.createTempFile(dir, "img", ".raw");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private static String unixUri(Path sock) {
        return "nbd+unix:///?socket=" + sock;
    }

    @Test
    void lengthEqualsQemuImgVirtualSizeForOddSizes_B6() throws Exception {
        for (long size : new long[] {65537, (1L << 30) + 1}) {
            Path sock = peers().qemuNbdUnix(image(size), "--shared=4");
            String uri = unixUri(sock);
            BlockBackend bs = core.open(uri, "", 0);
            assertThat(bs.getLength()).as("size %d", size).isEqualTo(Peers.qemuImgVirtualSize(uri));
            BlockBackend proto = core.attach(core.node(bs).file().node());
            assertThat(core.node(proto).driverName()).isEqualTo("nbd");
            assertThat(proto.getLength()).isEqualTo(Peers.qemuImgVirtualSize(uri));
        }
    }

    @Test
    void dataWrittenThroughBlocklayerReadsBackWithQemuIo() throws Exception {
        Path sock = peers().qemuNbdUnix(image(4 << 20), "--shared=4");
        String uri = unixUri(sock);
        BlockBackend bs = core.open(uri, "", OpenFlags.RDWR);
        bs.pwrite(12288, TestCore.pattern(65536, 0xab));
        bs.pwrite(1 << 20, TestCore.pattern(3 << 20, 0x5c), Set.of(RequestFlag.FUA));
        bs.flush();

        String out = Peers.qemuIo(uri, "read -P 0xab 12288 65536", "read -P 0x5c 1M 3M", "read -P 0 0 12288");
        assertThat(out).doesNotContain("Pattern verification failed").doesNotContain("failed")
                .contains("read 65536/65536 bytes");
    }

    @Test
    void dataWrittenWithQemuIoReadsBackInBlocklayer() throws Exception {
        Path sock = peers().qemuNbdUnix(image(1 << 20), "--shared=4");
        String uri = unixUri(sock);
        Peers.qemuIo(uri, "write -P 0x3d 4096 8192", "write -P 0x11 1000000 48576");
        BlockBackend bs = core.open(uri, "", 0);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        bs.pread(0, buf);
        byte[] all = buf.array();
        for (int i = 0; i < all.length; i++) {
            int expected = i >= 4096 && i < 12288 ? 0x3d : i >= 1000000 ? 0x11 : 0;
            assertThat(all[i] & 0xff).as("byte %d", i).isEqualTo(expected);
        }
    }

    @Test
    void theSectorTailPastAnOddExportReadsAsZeroes() throws Exception {
        Path img = image(65537);
        Files.write(img, new byte[] {9}, java.nio.file.StandardOpenOption.WRITE);
        int port = peers().nbdkit("file", img.toString());
        BlockBackend bs = core.open("nbd://127.0.0.1:" + port, "", 0);
        assertThat(bs.getLength()).isEqualTo(66048);
        ByteBuffer tail = ByteBuffer.allocate(1024);
        bs.pread(65024, tail);
        assertThat(tail.array()).containsOnly(0);
        ByteBuffer first = ByteBuffer.allocate(512);
        bs.pread(0, first);
        assertThat(first.get(0)).isEqualTo((byte) 9);
    }

    @Test
    void aReadOnlyExportRefusesReadWriteOpenWithEaccesAndWritesWithEperm() throws Exception {
        Path sock = peers().qemuNbdUnix(image(1 << 20), "-r", "--shared=4");
        String uri = unixUri(sock);
        assertThatThrownBy(() -> core.open(uri, "", OpenFlags.RDWR)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.describe()).contains("NBD export is read-only").endsWith("(EACCES)"));
        assertThat(core.graph.nodes()).isEmpty();

        BlockBackend bs = core.open(uri, "", 0);
        bs.pread(0, ByteBuffer.allocate(4096));
        assertThatThrownBy(() -> bs.pwrite(0, TestCore.pattern(512, 1)))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
    }

    @Test
    void anUnknownExportIsEnoentNamingExportAndServer_X4() throws Exception {
        Path sock = peers().qemuNbdUnix(image(1 << 20), "-x", "disk0", "--shared=4");
        assertThatThrownBy(() -> core.open("nbd+unix:///nosuch?socket=" + sock, "", 0))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).contains("'nosuch'").contains(sock.toString()).contains("nbd");
                });
        assertThat(core.graph.nodes()).isEmpty();
        BlockBackend bs = core.open("nbd+unix:///disk0?socket=" + sock, "", 0);
        assertThat(bs.getLength()).isEqualTo(1 << 20);
    }

    @Test
    void severalExportsAndConnectionsAtOnce() throws Exception {
        Path a = peers().qemuNbdUnix(image(1 << 20), "--shared=4");
        int portB = peers().qemuNbdTcp(image(2 << 20), "--shared=4");
        BlockBackend na = core.open(unixUri(a), "", OpenFlags.RDWR);
        BlockBackend nb = core.open("nbd://127.0.0.1:" + portB, "", OpenFlags.RDWR);
        BlockBackend na2 = core.open(unixUri(a), "", 0);
        na.pwrite(0, TestCore.pattern(4096, 0xa1));
        nb.pwrite(0, TestCore.pattern(4096, 0xb2));
        na.flush();
        ByteBuffer got = ByteBuffer.allocate(4096);
        na2.pread(0, got);
        assertThat(got.array()).containsOnly((byte) 0xa1);
        got.clear();
        nb.pread(0, got);
        assertThat(got.array()).containsOnly((byte) 0xb2);
        assertThat(nb.getLength()).isEqualTo(2 << 20);
    }

    @Test
    void sixteenConcurrentReadsWriteAndReadBackInAnyOrder() throws Exception {
        Path sock = peers().qemuNbdUnix(image(16 << 20), "--shared=4");
        BlockBackend bs = core.open(unixUri(sock), "node-name=disk,driver=raw", OpenFlags.RDWR);
        BlockBackend proto = core.attach(core.node(bs).file().node());
        List<CompletableFuture<Void>> writes = core.concurrently(proto, 64, i ->
                proto.pwrite(i * 65536L, TestCore.pattern(65536, i)));
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        ByteBuffer[] bufs = new ByteBuffer[64];
        List<CompletableFuture<Void>> reads = core.concurrently(proto, 64, i -> {
            bufs[i] = ByteBuffer.allocate(65536);
            proto.pread(i * 65536L, bufs[i]);
        });
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (int i = 0; i < 64; i++) {
            assertThat(bufs[i].array()).as("block %d", i).containsOnly((byte) i);
        }
    }

    @Test
    void aNodeOpenedInAnIothreadDoesItsIoThereAndFollowsAMove() throws Exception {
        Path sock = peers().qemuNbdUnix(image(1 << 20), "--shared=4");
        core.graph.addIothread("io1");
        BlockBackend bs = core.attach(core.graph.open(unixUri(sock),
                org.blocklayer.api.graph.BlockOptions.parse("node-name=d"), OpenFlags.RDWR, "io1"));
        assertThat(core.node(bs).file().node().aioContext().name()).isEqualTo("io1");
        bs.pwrite(0, TestCore.pattern(8192, 0x19));
        core.graph.setAioContext("d", "main");
        ByteBuffer buf = ByteBuffer.allocate(8192);
        bs.pread(0, buf);
        assertThat(buf.array()).containsOnly(0x19);
        assertThat(Peers.qemuIo(unixUri(sock), "read -P 0x19 0 8192")).doesNotContain("fail");
    }

    @Test
    void killingTheServerMidIoFailsEveryRequestWithEioAndNothingHangs_X5() throws Exception {
        Path sock = peers().qemuNbdUnix(image(64 << 20), "--shared=4");
        BlockBackend bs = core.open(unixUri(sock), "", 0);
        BlockBackend proto = core.attach(core.node(bs).file().node());
        long pid = peers().lastPid();
        java.util.concurrent.atomic.AtomicLong readsDone = new java.util.concurrent.atomic.AtomicLong();
        List<CompletableFuture<Void>> reads = core.concurrently(proto, 16, i -> {
            for (int round = 0; round < 100_000; round++) {
                proto.pread(((long) (i * 97 + round) % 1024) * 65536L, ByteBuffer.allocate(65536));
                readsDone.incrementAndGet();
            }
        });
        // Kill only once the reads are under way (not after a fixed sleep they may not have started in), so the
        // server dies mid-I/O with requests in flight.
        long underWay = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (readsDone.get() < 64 && System.nanoTime() < underWay) {
            Thread.sleep(5);
        }
        assertThat(readsDone.get()).as("reads completed before the kill").isGreaterThanOrEqualTo(64);
        Peers.kill9(pid);
        long start = System.nanoTime();
        for (CompletableFuture<Void> f : reads) {
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(BlockException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        }
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(30);
        // Later requests fail at once: reconnect-delay is 0.
        assertThatThrownBy(() -> bs.pread(0, ByteBuffer.allocate(512))).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    }
}
