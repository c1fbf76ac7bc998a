package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.export.ExportOptions;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.driver.nbd.internal.NbdDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Managing exports: adding, deleting with clients connected, stopping the server, a busy node, slow clients. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExportsTest {
    @TempDir
    Path dir;
    private ServerFixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    private static Errno errno(Throwable t) {
        return ((BlockException) t).errno();
    }

    @Test
    void addRefusesWhatQemuRefuses() throws Exception {
        f = new ServerFixture(dir);
        f.open(f.image("a.img", 1 << 20), "ro", false);
        f.export("ro", null, false);

        assertThatThrownBy(() -> f.export("ro", null, false)).satisfies(e -> assertThat(errno(e))
                .isEqualTo(Errno.EEXIST)).hasMessage("NBD server already has export named 'ro'");
        assertThatThrownBy(() -> f.export("ro", "w", true)).satisfies(e -> assertThat(errno(e))
                .isEqualTo(Errno.EPERM)).hasMessage("Block node is read-only");
        assertThatThrownBy(() -> f.export("nope", null, false)).satisfies(e -> assertThat(errno(e))
                .isEqualTo(Errno.ENOENT));
        assertThatThrownBy(() -> f.export("ro", "x".repeat(4097), false)).satisfies(e -> assertThat(errno(e))
                .isEqualTo(Errno.EINVAL));
        assertThat(f.server.exports()).hasSize(1);

        f.server.stopNbdServer();
        assertThat(f.server.exports()).isEmpty();
        assertThatThrownBy(() -> f.export("ro", null, false)).hasMessage("NBD server not running");
        assertThatThrownBy(() -> f.server.stopNbdServer()).satisfies(e -> assertThat(errno(e))
                .isEqualTo(Errno.ENOENT));
    }

    @Test
    void aServerRunsOnceAndNeedsAnAddressItCanRead() throws Exception {
        f = new ServerFixture(dir);
        assertThatThrownBy(() -> f.server.startNbdServer("inet:127.0.0.1:0", 0)).satisfies(e ->
                assertThat(errno(e)).isEqualTo(Errno.EBUSY));
        f.server.stopNbdServer();
        assertThatThrownBy(() -> f.server.startNbdServer("tcp:nowhere", 0)).satisfies(e ->
                assertThat(errno(e)).isEqualTo(Errno.EINVAL)).hasMessageContaining("unix:PATH or inet:HOST:PORT");
        assertThat(f.server.startNbdServer("inet:127.0.0.1:0", 3).address()).matches("inet:127\\.0\\.0\\.1:\\d+");
        assertThat(f.server.nbdServer().maxConnections()).isEqualTo(3);
    }

    @Test
    @DisplayName("B46: closing an exported node fails EBUSY naming the export; after export del it closes")
    void anExportedNodeIsBusyUntilItsExportIsDeleted() throws Exception {
        f = new ServerFixture(dir);
        f.open(f.image("a.img", 1 << 20), "disk0", false);
        f.export("disk0", "e0", false);

        assertThatThrownBy(() -> f.graph.close("disk0")).satisfies(e -> assertThat(errno(e))
                .isEqualTo(Errno.EBUSY)).hasMessage("Node 'disk0' is busy: NBD export 'e0' uses it");
        f.server.delete("e0", false);
        f.graph.close("disk0");
        assertThatThrownBy(() -> f.server.delete("e0", false)).satisfies(e -> assertThat(errno(e))
                .isEqualTo(Errno.ENOENT));
    }

    /**
     * The export follows its node to another AioContext (nbd_block_ops, blk_aio_attached/detach): the move drains
     * the node, which stops the client's idle receiver (else the drain would wait for it for ever), moves the socket,
     * and the client, never disconnected, goes on reading and writing from the node's new context, there and back.
     */
    @Test
    void anExportFollowsItsNodeToAnotherAioContext() throws Exception {
        f = new ServerFixture(dir);
        Path img = f.image("a.img", 1 << 20);
        ServerFixture.fill(img, 0, 4096, 0x6b);
        f.open(img, "disk0", true);
        f.export("disk0", "e0", true);
        f.graph.addIothread("io0");
        try (RawClient client = RawClient.connect(f.socket)) {
            client.goTo("e0");
            client.request(0, Wire.Command.READ.code, 1, 0, 4096, null);
            assertThat(client.simpleReply()).containsExactly(0, 1);
            assertThat(client.read(4096).array()).containsOnly((byte) 0x6b);
            NbdExport export = f.server.exportTable().find("e0");

            f.graph.setAioContext("disk0", "io0");

            assertThat(f.graph.info("disk0").aioContext()).isEqualTo("io0");
            assertThat(export.context().name()).isEqualTo("io0");
            assertThat(export.sessionHomes()).extracting(org.blocklayer.api.coroutine.AioContext::name)
                    .containsExactly("io0");
            ByteBuffer data = ByteBuffer.allocate(4096);
            java.util.Arrays.fill(data.array(), (byte) 0x2e);
            client.request(0, Wire.Command.WRITE.code, 2, 8192, 4096, data);
            assertThat(client.simpleReply()).containsExactly(0, 2);
            client.request(0, Wire.Command.READ.code, 3, 0, 4096, null);
            assertThat(client.simpleReply()).containsExactly(0, 3);
            assertThat(client.read(4096).array()).containsOnly((byte) 0x6b);

            f.graph.setAioContext("disk0", "main");

            assertThat(export.sessionHomes()).extracting(org.blocklayer.api.coroutine.AioContext::name)
                    .containsExactly("main");
            client.request(0, Wire.Command.READ.code, 4, 8192, 4096, null);
            assertThat(client.simpleReply()).containsExactly(0, 4);
            assertThat(client.read(4096).array()).containsOnly((byte) 0x2e);
            assertThat(export.info().clients()).isEqualTo(1);
        }
    }

    @Test
    void deletingAnExportDisconnectsItsClientsAndLetsGoOfTheNode() throws Exception {
        f = new ServerFixture(dir);
        f.open(f.image("a.img", 1 << 20), "disk0", true);
        f.export("disk0", null, true);
        try (RawClient idle = RawClient.connect(f.socket); RawClient busy = RawClient.connect(f.socket)) {
            idle.goTo("disk0");
            busy.goTo("disk0");
            busy.request(0, Wire.Command.READ.code, 1, 0, 4096, null);
            assertThat(busy.simpleReply()).containsExactly(0, 1);
            busy.read(4096);
            assertThat(f.server.exports().getFirst().clients()).isEqualTo(2);

            f.server.delete("disk0", false);

            assertThat(idle.closedByServer()).isTrue();
            assertThat(busy.closedByServer()).isTrue();
            assertThat(f.server.exports()).isEmpty();
            f.graph.close("disk0");
        }
        assertThat(f.server.nbdServer().connections()).isZero();
    }

    @Test
    void forceDeletionAndServerStopCloseEveryConnectionAtOnce() throws Exception {
        f = new ServerFixture(dir);
        f.open(f.image("a.img", 1 << 20), "disk0", false);
        f.export("disk0", "a", false);
        f.export("disk0", "b", false);
        try (RawClient a = RawClient.connect(f.socket); RawClient b = RawClient.connect(f.socket);
                RawClient negotiating = RawClient.connect(f.socket)) {
            a.goTo("a");
            b.goTo("b");
            f.server.delete("a", true);
            assertThat(a.closedByServer()).isTrue();
            f.server.stopNbdServer();
            assertThat(b.closedByServer()).isTrue();
            assertThat(negotiating.closedByServer()).isTrue();
        }
        f.graph.close("disk0");
    }

    @Test
    void aClientThatNeverFinishesItsHandshakeIsDroppedAfterTheTimeout() throws Exception {
        f = new ServerFixture(dir, Duration.ofMillis(300), 0);
        try (RawClient slow = RawClient.connect(f.socket)) {
            // Half an option header, then nothing.
            slow.write(ByteBuffer.allocate(16).putLong(Wire.OPTS_MAGIC).flip().limit(6));
            assertThat(slow.closedByServer()).isTrue();
        }
    }

    @Test
    void atMaxConnectionsTheNextClientWaitsUntilOneLeaves() throws Exception {
        f = new ServerFixture(dir, Duration.ofSeconds(5), 1);
        f.open(f.image("a.img", 1 << 20), "disk0", false);
        f.export("disk0", null, false);
        RawClient first = RawClient.connect(f.socket);
        first.goTo("disk0");
        // Accepted by the kernel's backlog only: the greeting comes once the first client leaves.
        java.util.concurrent.CompletableFuture<RawClient> second = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return RawClient.connect(f.socket);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        assertThat(f.server.nbdServer().connections()).isEqualTo(1);
        assertThat(second).isNotDone();
        first.close();
        try (RawClient c = second.get(10, TimeUnit.SECONDS)) {
            // max-connections 1: no multi-conn even for a read-only export.
            assertThat(c.goTo("disk0") & Wire.CAN_MULTI_CONN).isZero();
        }
    }

    /**
     * The client of the same graph as the server: its open connects on a worker thread while the main loop polls
     * (nbd_open's co_wrapper), so the server's handshake coroutine in that same main loop answers it. Over the unix
     * socket and over TCP; the data written through the client reaches the exported file.
     */
    @Test
    void anNbdNodeOfTheSameGraphIsAClientOfItsOwnServer() throws Exception {
        f = new ServerFixture(dir);
        Path img = f.image("own.img", 4 << 20);
        f.open(img, "disk0", true);
        f.export("disk0", null, true);
        f.graph.addDriver(new NbdDriver(f.scheduler), "org.blocklayer.driver.nbd", "test");
        String[] uris = {f.uri("disk0"), null};
        for (int i = 0; i < uris.length; i++) {
            String uri = i == 0 ? uris[0] : f.onTcp() + "/disk0";
            if (i == 1) {
                f.export("disk0", null, true);
            }
            String node = "self" + i;
            f.graph.open(uri, BlockOptions.parse("node-name=" + node), OpenFlags.RDWR);
            try (BlockBackend blk = f.graph.attach(node, "", EnumSet.of(Permission.CONSISTENT_READ,
                    Permission.WRITE), Permission.ALL)) {
                assertThat(blk.getLength()).as(uri).isEqualTo(4 << 20);
                ByteBuffer out = ByteBuffer.allocate(64 << 10);
                java.util.Arrays.fill(out.array(), (byte) (0x50 + i));
                blk.pwrite(i << 20, out);
                blk.flush();
                ByteBuffer in = ByteBuffer.allocate(64 << 10);
                blk.pread(i << 20, in);
                assertThat(in.array()).as(uri).isEqualTo(out.array());
            }
            f.graph.close(node);
        }
        byte[] file = java.nio.file.Files.readAllBytes(img);
        assertThat(file[100]).isEqualTo((byte) 0x50);
        assertThat(file[(1 << 20) + 100]).isEqualTo((byte) 0x51);
    }

    /**
     * The node moves back and forth between the main loop and an iothread while nbdcopy writes 64 MiB through the
     * export with many requests in flight: every move waits for the requests it finds, no request is lost, the
     * client is never disconnected, and the node holds exactly what was copied.
     */
    @Test
    void movesDuringAnNbdcopyLoseNothing() throws Exception {
        f = new ServerFixture(dir);
        Path img = f.image("m.img", 64 << 20);
        Path source = dir.resolve("source.bin");
        byte[] bytes = new byte[64 << 20];
        new java.util.Random(11).nextBytes(bytes);
        java.nio.file.Files.write(source, bytes);
        f.open(img, "disk0", true);
        f.export("disk0", null, true);
        f.graph.addIothread("io0");
        Tools.require("nbdcopy");

        java.util.concurrent.CompletableFuture<Tools.Result> copy = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return Tools.run("nbdcopy", "--request-size=65536", source.toString(), f.uri("disk0"));
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
        int moves = 0;
        while (!copy.isDone()) {
            f.graph.setAioContext("disk0", moves % 2 == 0 ? "io0" : "main");
            moves++;
        }
        copy.get().ok();
        if (moves % 2 == 1) {
            f.graph.setAioContext("disk0", "main");
        }

        assertThat(moves).as("moves made while nbdcopy ran").isPositive();
        assertThat(java.nio.file.Files.readAllBytes(img)).isEqualTo(bytes);
        assertThat(f.server.exports().getFirst().bytesWritten()).isEqualTo(64 << 20);
    }

    /** A second blocklayer, as another process would be, reads and writes through the server. */
    @Test
    void blocklayersOwnNbdClientReadsAndWritesThroughTheServer() throws Exception {
        f = new ServerFixture(dir);
        Path img = f.image("a.img", 4 << 20);
        f.open(img, "disk0", true);
        f.export("disk0", null, true);

        org.blocklayer.core.internal.coroutine.Scheduler scheduler = new org.blocklayer.core.internal.coroutine
                .Scheduler();
        try {
            org.blocklayer.core.internal.graph.Graph client = new org.blocklayer.core.internal.graph.Graph(scheduler,
                    new org.blocklayer.core.internal.lock.GraphRwLock(scheduler));
            client.addDriver(new org.blocklayer.driver.raw.internal.RawDriver(), "org.blocklayer.driver.raw", "t");
            client.addDriver(new NbdDriver(scheduler), "org.blocklayer.driver.nbd", "test");
            client.open(f.uri("disk0"), BlockOptions.parse("node-name=remote"), OpenFlags.RDWR);
            try (BlockBackend blk = client.attach("remote", "", EnumSet.of(Permission.CONSISTENT_READ,
                    Permission.WRITE), Permission.ALL)) {
                assertThat(blk.getLength()).isEqualTo(4 << 20);
                ByteBuffer out = ByteBuffer.allocate(1 << 20);
                java.util.Arrays.fill(out.array(), (byte) 0x3c);
                blk.pwrite(512, out);
                blk.flush();
                ByteBuffer in = ByteBuffer.allocate(1 << 20);
                blk.pread(512, in);
                assertThat(in.array()).isEqualTo(out.array());
            }
            client.close("remote");
        } finally {
            scheduler.close();
        }
        assertThat(java.nio.file.Files.readAllBytes(img)[512 + 4096]).isEqualTo((byte) 0x3c);
        assertThat(f.server.exports().getFirst().bytesWritten()).isEqualTo(1 << 20);
    }
}
