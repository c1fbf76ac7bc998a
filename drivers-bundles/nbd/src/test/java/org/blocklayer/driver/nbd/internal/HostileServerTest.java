package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
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

/**
 * The driver against a scripted server that breaks the protocol, stalls or drops the connection (X4, X5): every
 * failure is a clean BlockException, the connection is closed, requests in flight fail, nothing hangs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileServerTest {
    private static final int RW = Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA | Nbd.FLAG_SEND_TRIM
            | Nbd.FLAG_SEND_WRITE_ZEROES;

    private final TestCore core = new TestCore();
    private FakeServer server;

    @AfterEach
    void tearDown() throws Exception {
        core.close();
        if (server != null) {
            server.close();
        }
    }

    private BlockBackend open(String options, int flags, FakeServer.Script... scripts) throws Exception {
        server = new FakeServer(scripts);
        return core.open(null, "driver=nbd,server.host=127.0.0.1,server.port=" + server.port()
                + (options.isEmpty() ? "" : "," + options), flags);
    }

    private static void assertFails(ThrowingRunnable r, Errno errno, String text) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno);
            assertThat(e.getMessage()).contains(text);
        });
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** A script that answers the first request with {@code reply} and then expects the client to hang up. */
    private static FakeServer.Script answerWith(java.util.function.LongFunction<byte[]> reply) {
        return peer -> {
            peer.handshake(1 << 20, RW);
            FakeServer.Request r = peer.read();
            try {
                peer.send(reply.apply(r.cookie()));
            } catch (java.io.IOException e) {
                return; // the client hung up while we were still sending: that is the point
            }
            assertThat(peer.readUntilEof()).as("nothing sent after the violation").isEmpty();
        };
    }

    @Test
    void protocolViolationsFailTheRequestWithEprotoCloseTheConnectionAndLaterRequestsFail_X4() throws Exception {
        List<java.util.function.LongFunction<byte[]>> replies = List.of(
                c -> ByteBuffer.allocate(16).putInt(0xdeadbeef).putLong(c).array(),
                c -> ServerBytes.none(c + 1000),
                c -> ServerBytes.data(true, c, 4096, new byte[600]),
                c -> ServerBytes.chunk(1, Nbd.REPLY_TYPE_ERROR, c, new byte[1 << 20]),
                c -> ServerBytes.chunk(1, 5, c, new byte[12]),
                c -> ServerBytes.simpleReply(0, c, new byte[512]));
        for (var reply : replies) {
            BlockBackend bs = open("", 0, answerWith(reply));
            assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.EPROTO, "broke the protocol");
            assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.EIO, "not connected");
            core.close(bs);
            server.close();
            server = null;
        }
    }

    @Test
    void aServerThatDiesMidReplyFailsTheRequestWithEio_X5() throws Exception {
        BlockBackend bs = open("", 0, peer -> {
            peer.handshake(1 << 20, RW);
            FakeServer.Request r = peer.read();
            byte[] reply = ServerBytes.data(true, r.cookie(), 0, new byte[4096]);
            peer.send(java.util.Arrays.copyOf(reply, 100));
            peer.close();
        });
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(4096)), Errno.EIO, "closed the connection");
    }

    @Test
    void aSilentServerTimesOutEveryRequestInFlight_X5() throws Exception {
        BlockBackend bs = open("timeout=0.5", 0, peer -> {
            peer.handshake(1 << 20, RW);
            peer.readUntilEof();
        });
        long start = System.nanoTime();
        List<CompletableFuture<Void>> reads = core.concurrently(bs, 4,
                i -> bs.pread(i * 4096L, ByteBuffer.allocate(4096)));
        for (CompletableFuture<Void> f : reads) {
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOfSatisfying(BlockException.class,
                            e -> assertThat(e.errno()).isIn(Errno.ETIMEDOUT, Errno.EIO));
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.EIO, "no reply");
    }

    @Test
    void repliesOutOfOrderAndInPiecesReachTheirRequests() throws Exception {
        BlockBackend bs = open("", 0, peer -> {
            peer.handshake(16 << 20, RW);
            List<FakeServer.Request> got = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                got.add(peer.read());
            }
            // Newest first; each read as hole + data halves, interleaved with the next reply's first chunk.
            for (int i = got.size() - 1; i >= 0; i--) {
                FakeServer.Request r = got.get(i);
                int half = r.length() / 2;
                peer.send(ServerBytes.hole(false, r.cookie(), r.offset(), half));
                peer.send(ServerBytes.data(true, r.cookie(), r.offset() + half,
                        ServerBytes.filled(r.length() - half, (int) (r.offset() >> 16))));
            }
            peer.readUntilEof();
        });
        ByteBuffer[] bufs = new ByteBuffer[16];
        List<CompletableFuture<Void>> reads = core.concurrently(bs, 16, i -> {
            bufs[i] = ByteBuffer.allocate(65536);
            bs.pread(i * 65536L, bufs[i]);
        });
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        for (int i = 0; i < 16; i++) {
            byte[] b = bufs[i].array();
            assertThat(java.util.Arrays.copyOf(b, 32768)).containsOnly(0);
            assertThat(java.util.Arrays.copyOfRange(b, 32768, 65536)).containsOnly((byte) i);
        }
    }

    @Test
    void moreThanSixteenRequestsWaitForASlot() throws Exception {
        int[] maxSeen = {0};
        BlockBackend bs = open("", 0, peer -> {
            peer.handshake(16 << 20, RW);
            List<FakeServer.Request> window = new ArrayList<>();
            int answered = 0;
            while (answered < 40) {
                window.add(peer.read());
                // Answer only when the client has sent everything it may: 16 in flight.
                if (window.size() == 16 || answered + window.size() == 40) {
                    maxSeen[0] = Math.max(maxSeen[0], window.size() + pendingBytes(peer));
                    for (FakeServer.Request r : window) {
                        peer.send(ServerBytes.data(true, r.cookie(), r.offset(), new byte[r.length()]));
                    }
                    answered += window.size();
                    window.clear();
                }
            }
            peer.readUntilEof();
        });
        List<CompletableFuture<Void>> reads = core.concurrently(bs, 40,
                i -> bs.pread(i * 512L, ByteBuffer.allocate(512)));
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertThat(maxSeen[0]).isEqualTo(16);
    }

    @Test
    void requestsWaitingForASlotFailTooWhenTheConnectionDies_X5() throws Exception {
        BlockBackend bs = open("", 0, peer -> {
            peer.handshake(1 << 20, RW);
            for (int i = 0; i < 16; i++) {
                peer.read();
            }
            peer.close();
        });
        List<CompletableFuture<Void>> reads = core.concurrently(bs, 40,
                i -> bs.pread(i * 512L, ByteBuffer.allocate(512)));
        for (CompletableFuture<Void> f : reads) {
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        }
    }

    /** Bytes the client sent beyond what was read, after giving it time to send more. */
    private static int pendingBytes(FakeServer.Peer peer) throws Exception {
        Thread.sleep(100);
        return peer.ch.socket().getInputStream().available() > 0 ? 1 : 0;
    }

    @Test
    void serverErrorsMapToErrnosWithTheServersMessageAndTheNodeName() throws Exception {
        BlockBackend bs = open("node-name=n1", OpenFlags.RDWR, peer -> {
            peer.handshake(1 << 20, RW);
            FakeServer.Request w = peer.read();
            peer.send(ServerBytes.errorChunk(true, w.cookie(), 28, "disk full"));
            FakeServer.Request r = peer.read();
            peer.send(ServerBytes.errorOffsetChunk(false, r.cookie(), 5, "bad sector", r.offset() + 512),
                    ServerBytes.none(r.cookie()));
            FakeServer.Request f = peer.read();
            peer.send(ServerBytes.simpleReply(1, f.cookie(), new byte[0]));
            peer.readUntilEof();
        });
        assertFails(() -> bs.pwrite(0, ByteBuffer.allocate(4096)), Errno.ENOSPC, "disk full");
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(4096)), Errno.EIO, "bad sector");
        assertFails(bs::flush, Errno.EPERM, "node 'n1', driver 'nbd': ");
        // The connection survives request errors.
        assertThat(bs.getLength()).isEqualTo(1 << 20);
    }

    @Test
    void simpleRepliesWorkWhenTheServerDeclinesStructuredReplies() throws Exception {
        BlockBackend bs = open("", OpenFlags.RDWR, peer -> {
            peer.handshake(1 << 20, RW, false, -1);
            FakeServer.Request w = peer.read();
            assertThat(w.payload()).containsOnly(0x77);
            peer.send(ServerBytes.simpleReply(0, w.cookie(), new byte[0]));
            FakeServer.Request r = peer.read();
            peer.send(ServerBytes.simpleReply(0, r.cookie(), ServerBytes.filled(r.length(), 0x66)));
            peer.readUntilEof();
        });
        bs.pwrite(512, TestCore.pattern(1024, 0x77));
        ByteBuffer buf = ByteBuffer.allocate(2048);
        bs.pread(0, buf);
        assertThat(buf.array()).containsOnly(0x66);
    }

    @Test
    void largeRequestsAreSplitAtTheServersMaximumBlockSize() throws Exception {
        List<FakeServer.Request> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        BlockBackend bs = open("", OpenFlags.RDWR, peer -> {
            peer.handshake(1 << 20, RW, true, 65536);
            for (FakeServer.Request r = peer.read(); r != null; r = peer.read()) {
                seen.add(r);
                peer.send(r.type() == Nbd.CMD_READ
                        ? ServerBytes.data(true, r.cookie(), r.offset(), ServerBytes.filled(r.length(), 1))
                        : ServerBytes.none(r.cookie()));
            }
        });
        bs.pread(4096, ByteBuffer.allocate(200_000));
        bs.pwrite(0, ByteBuffer.allocate(140_000));
        assertThat(seen).extracting(FakeServer.Request::length).containsExactly(65536, 65536, 65536, 3392,
                65536, 65536, 8928);
        assertThat(seen.get(3).offset()).isEqualTo(4096 + 3 * 65536);
    }

    @Test
    void fuaGoesOnTheWriteOrBecomesAFlushAndTrimAndWriteZeroesReachTheWire() throws Exception {
        List<FakeServer.Request> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeServer.Script recorder = peer -> {
            for (FakeServer.Request r = peer.read(); r != null; r = peer.read()) {
                seen.add(r);
                if (r.type() != Nbd.CMD_DISC) {
                    peer.send(ServerBytes.simpleReply(0, r.cookie(), new byte[0]));
                }
            }
        };
        BlockBackend bs = open("", OpenFlags.RDWR, peer -> {
            peer.handshake(1 << 20, RW);
            recorder.run(peer);
        });
        bs.pwrite(0, ByteBuffer.allocate(512), Set.of(RequestFlag.FUA));
        core.inReader(() -> {
            core.nbd.coPdiscard(core.driverNode(bs), 4096, 8192);
            core.nbd.coPwriteZeroes(core.driverNode(bs), 0, 4096, NbdDriver.REQ_MAY_UNMAP);
            core.nbd.coPwriteZeroes(core.driverNode(bs), 0, 4096, NbdDriver.REQ_FUA);
            return null;
        });
        core.close(bs);
        // The server thread reads the DISC a moment after close returns: wait for it (bounded) before stopping it.
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (seen.size() < 5 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        server.close();
        server = null;
        assertThat(seen).extracting(FakeServer.Request::type).containsExactly(Nbd.CMD_WRITE, Nbd.CMD_TRIM,
                Nbd.CMD_WRITE_ZEROES, Nbd.CMD_WRITE_ZEROES, Nbd.CMD_DISC);
        assertThat(seen).extracting(FakeServer.Request::flags).containsExactly(Nbd.CMD_FLAG_FUA, 0, 0,
                Nbd.CMD_FLAG_FUA | Nbd.CMD_FLAG_NO_HOLE, 0);
        assertThat(seen.get(1).offset()).isEqualTo(4096);
        assertThat(seen.get(1).length()).isEqualTo(8192);

        seen.clear();
        BlockBackend noFua = open("", OpenFlags.RDWR, peer -> {
            peer.handshake(1 << 20, Nbd.FLAG_SEND_FLUSH);
            recorder.run(peer);
        });
        noFua.pwrite(0, ByteBuffer.allocate(512), Set.of(RequestFlag.FUA));
        assertFails(() -> core.inReader(() -> {
            core.nbd.coPwriteZeroes(core.driverNode(noFua), 0, 512, 0);
            return null;
        }), Errno.ENOTSUP, "write-zeroes");
        core.inReader(() -> {
            core.nbd.coPdiscard(core.driverNode(noFua), 0, 512);
            return null;
        });
        assertThat(seen).extracting(FakeServer.Request::type).containsExactly(Nbd.CMD_WRITE, Nbd.CMD_FLUSH);
        assertThat(seen.get(0).flags()).isZero();
    }

    @Test
    void eshutdownMakesTheClientDisconnectSoftly() throws Exception {
        List<FakeServer.Request> after = new java.util.concurrent.CopyOnWriteArrayList<>();
        BlockBackend bs = open("", 0, peer -> {
            peer.handshake(1 << 20, RW);
            FakeServer.Request r = peer.read();
            peer.send(ServerBytes.errorChunk(true, r.cookie(), 108, "going down"));
            after.addAll(peer.readUntilEof());
        });
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.ESHUTDOWN, "going down");
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.EIO, "not connected");
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (after.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        server.close();
        server = null;
        assertThat(after).extracting(FakeServer.Request::type).containsExactly(Nbd.CMD_DISC);
    }

    @Test
    void withReconnectDelayALostRequestIsSentAgainOnANewConnection() throws Exception {
        BlockBackend bs = open("reconnect-delay=5", 0, peer -> {
            peer.handshake(1 << 20, RW);
            peer.read();
            peer.close();
        }, peer -> {
            peer.handshake(1 << 20, RW);
            for (FakeServer.Request r = peer.read(); r != null; r = peer.read()) {
                peer.send(ServerBytes.data(true, r.cookie(), r.offset(), ServerBytes.filled(r.length(), 0x21)));
            }
        });
        ByteBuffer buf = ByteBuffer.allocate(4096);
        bs.pread(0, buf);
        assertThat(buf.array()).containsOnly(0x21);
        List<CompletableFuture<Void>> more = core.concurrently(bs, 8,
                i -> bs.pread(i * 4096L, ByteBuffer.allocate(4096)));
        CompletableFuture.allOf(more.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void reconnectingGivesUpAfterTheDelayWithEio_X5() throws Exception {
        BlockBackend bs = open("reconnect-delay=1,timeout=2", 0, peer -> {
            peer.handshake(1 << 20, RW);
            peer.read();
            peer.close();
        });
        long start = System.nanoTime();
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.EIO, "reconnecting failed");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(millis).isBetween(900L, 5000L);
    }

    @Test
    void afterTheDelayEachRequestTriesOnceSoTheNodeRecoversWhenTheServerIsBack() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean();
        FakeServer.Script maybe = peer -> {
            if (!up.get()) {
                peer.close();
                return;
            }
            peer.handshake(1 << 20, RW);
            for (FakeServer.Request r = peer.read(); r != null; r = peer.read()) {
                peer.send(ServerBytes.data(true, r.cookie(), r.offset(), ServerBytes.filled(r.length(), 0x42)));
            }
        };
        FakeServer.Script[] scripts = new FakeServer.Script[64];
        scripts[0] = peer -> {
            peer.handshake(1 << 20, RW);
            peer.read();
            peer.close();
        };
        java.util.Arrays.fill(scripts, 1, scripts.length, maybe);
        BlockBackend bs = open("reconnect-delay=1", 0, scripts);
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.EIO, "reconnecting failed");
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.EIO, "reconnecting failed");
        up.set(true);
        ByteBuffer buf = ByteBuffer.allocate(512);
        bs.pread(0, buf);
        assertThat(buf.array()).containsOnly(0x42);
    }

    @Test
    void handshakeFailuresLeaveNothingInTheGraph_X4() throws Exception {
        assertFails(() -> open("", 0, peer -> peer.send(new byte[18])), Errno.EPROTO, "bad initial magic");
        server.close();
        assertFails(() -> open("timeout=0.3", 0, peer -> peer.readUntilEof()), Errno.ETIMEDOUT, "Timed out");
        server.close();
        assertFails(() -> open("export=secret", 0, peer -> {
            peer.send(ServerBytes.greeting(1));
            peer.readFully(4 + 16);
            peer.send(ServerBytes.error(8, Nbd.REP_ERR_TLS_REQD, ""));
        }), Errno.EPERM, "requires TLS");
        server.close();
        server = null;
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    void aRefusedConnectionIsEconnrefused_X4() throws Exception {
        int port = Peers.freePort();
        assertFails(() -> core.open("nbd://127.0.0.1:" + port + "/x", "", 0), Errno.ECONNREFUSED,
                "127.0.0.1:" + port);
        assertFails(() -> core.open("nbd+unix:///x?socket=/nonexistent/nbd.sock", "", 0), Errno.ENOENT,
                "unix:/nonexistent/nbd.sock");
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    void aBadUriOrUnsupportedOptionIsRefusedBeforeConnecting_X4() {
        assertFails(() -> core.open("nbd://127.0.0.1:notaport/x", "", 0), Errno.EINVAL,
                "Invalid NBD URI 'nbd://127.0.0.1:notaport/x'");
        assertFails(() -> core.open("nbd+unix:///x", "", 0), Errno.EINVAL, "socket=PATH");
        assertFails(() -> core.open(null, "driver=nbd,server.host=127.0.0.1,tls-creds=tls0", 0), Errno.ENOTSUP,
                "TLS");
        assertFails(() -> core.open(null, "driver=nbd,server.host=127.0.0.1,server.ipv4=on", 0), Errno.EINVAL,
                "server.ipv4");
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    void aConnectionThatNeverCompletesTimesOut_X5() throws Exception {
        // A listener that never accepts: once its queue is full the kernel drops SYNs, so connecting hangs (or,
        // if the connection squeezes in, the greeting never comes). Either way only the timeout ends it.
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = listener.getLocalPort();
            List<java.nio.channels.SocketChannel> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    java.nio.channels.SocketChannel f = java.nio.channels.SocketChannel.open();
                    f.configureBlocking(false);
                    f.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                    fillers.add(f);
                }
                long start = System.nanoTime();
                assertFails(() -> core.open("nbd://127.0.0.1:" + port + "/x", "file.timeout=0.5", 0),
                        Errno.ETIMEDOUT, "Timed out");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(400L, 3000L);
            } finally {
                for (var f : fillers) {
                    f.close();
                }
            }
        }
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    void timeoutsStillFireRightAfterAMoveToAnotherContext_X5() throws Exception {
        BlockBackend bs = open("node-name=m,timeout=0.5", 0, peer -> {
            peer.handshake(1 << 20, RW);
            FakeServer.Request r = peer.read();
            peer.send(ServerBytes.data(true, r.cookie(), r.offset(), new byte[r.length()]));
            peer.readUntilEof();
        });
        core.graph.addIothread("io0");
        bs.pread(0, ByteBuffer.allocate(512));
        // Within the first check period: the main loop's timer is still armed when the node moves.
        core.graph.setAioContext("m", "io0");
        long start = System.nanoTime();
        assertFails(() -> bs.pread(0, ByteBuffer.allocate(512)), Errno.ETIMEDOUT, "timeout");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
    }

    @Test
    void theNodeKeepsWorkingAfterMovingToAnIothreadAndBack() throws Exception {
        BlockBackend bs = open("node-name=moving", 0, peer -> {
            peer.handshake(1 << 20, RW);
            for (FakeServer.Request r = peer.read(); r != null; r = peer.read()) {
                peer.send(ServerBytes.data(true, r.cookie(), r.offset(), ServerBytes.filled(r.length(), 0x31)));
            }
        });
        bs.pread(0, ByteBuffer.allocate(512));
        core.graph.addIothread("io0");
        core.graph.setAioContext("moving", "io0");
        assertThat(core.node(bs).aioContext().name()).isEqualTo("io0");
        for (int i = 0; i < 3; i++) {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            bs.pread(4096L * i, buf);
            assertThat(buf.array()).containsOnly(0x31);
        }
        List<CompletableFuture<Void>> reads = core.concurrently(bs, 16,
                i -> bs.pread(i * 512L, ByteBuffer.allocate(512)));
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        core.graph.setAioContext("moving", "main");
        ByteBuffer buf = ByteBuffer.allocate(512);
        bs.pread(0, buf);
        assertThat(buf.array()).containsOnly(0x31);
    }
}
