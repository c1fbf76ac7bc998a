package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nbd driver's AioContext callbacks ({@code nbd_detach_aio_context}, {@code nbd_attach_aio_context}): after a
 * move the node keeps working, and its socket is watched by the new context only, from the moment of the move (not
 * from its next request, as the lazy re-registration before them did).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContextMoveTest {
    private static final int RW = Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA;

    private final TestCore core = new TestCore();
    private FakeServer server;
    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        core.close();
        if (server != null) {
            server.close();
        }
    }

    private static Connection connectionOf(BlockNode bs) {
        return ((org.blocklayer.api.driver.DriverNode) bs).opaque(NbdDriver.NbdState.class).client().connection();
    }

    @Test
    void aMovedNodeKeepsWorkingAndItsSocketIsWatchedFromItsNewContext() throws Exception {
        server = new FakeServer(peer -> {
            peer.handshake(1 << 20, RW);
            for (FakeServer.Request r = peer.read(); r != null; r = peer.read()) {
                peer.send(ServerBytes.data(true, r.cookie(), r.offset(), ServerBytes.filled(r.length(), 0x42)));
            }
        });
        BlockBackend blk = core.open(null, "driver=nbd,node-name=n,server.host=127.0.0.1,server.port=" + server.port(),
                0);
        BlockNode bs = core.node(blk);
        core.graph.addIothread("io0");
        assertThat(connectionOf(bs).watchedBy()).isSameAs(core.scheduler.mainContext());

        // What block:move calls.
        core.graph.setAioContext("n", "io0");

        assertThat(bs.aioContext().name()).isEqualTo("io0");
        assertThat(connectionOf(bs).watchedBy()).as("watched from the move on").isSameAs(bs.aioContext());
        ByteBuffer buf = ByteBuffer.allocate(4096);
        blk.pread(0, buf);
        assertThat(buf.array()).containsOnly(0x42);

        core.graph.setAioContext("n", "main");

        assertThat(connectionOf(bs).watchedBy()).isSameAs(core.scheduler.mainContext());
        buf.clear();
        blk.pread(8192, buf);
        assertThat(buf.array()).containsOnly(0x42);
    }

    /**
     * The callbacks' effect on the event loops themselves: after detach in the old context and attach in the new,
     * a server hanging up is seen by the new context's loop, and the old loop, which runs meanwhile while the new
     * one is held, sees nothing.
     */
    @Test
    void afterDetachAndAttachOnlyTheNewContextsLoopSeesTheSocket() throws Exception {
        Path path = dir.resolve("nbd.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(path));
            SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
            client.configureBlocking(false);
            SocketChannel peer = listener.accept();
            EventLoop main = core.scheduler.mainLoop();
            EventLoop io0 = core.scheduler.createIoThread("io0");
            List<String> brokenIn = new CopyOnWriteArrayList<>();
            CountDownLatch broken = new CountDownLatch(1);
            Connection c = new Connection(core.scheduler, new Connector.Session(client,
                    new ExportInfo(1 << 20, 0, 1, 4096, 1 << 25, false)), "test", TimeUnit.SECONDS.toNanos(30), main,
                    (connection, why, retryable) -> {
                        brokenIn.add(Thread.currentThread().getName());
                        broken.countDown();
                    });
            inThread(main, () -> assertThat(c.watchedBy()).isSameAs(main));

            inThread(main, c::detach);
            inThread(io0, () -> c.attach(io0));
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch held = new CountDownLatch(1);
            io0.schedule(() -> {
                held.countDown();
                await(release);
            });
            try {
                await(held);
                peer.close();
                // Two rounds of the main loop: in between it has looked at its ready channels at least once.
                inThread(main, () -> { });
                inThread(main, () -> { });
                assertThat(brokenIn).as("the old context does not watch the socket any more").isEmpty();
            } finally {
                release.countDown();
            }

            assertThat(broken.await(10, TimeUnit.SECONDS)).as("the new context saw the hang-up").isTrue();
            assertThat(brokenIn).containsExactly("blocklayer-io0");
            assertThat(c.watchedBy()).isSameAs(io0);
        }
    }

    /** Runs {@code body} in {@code ctx}'s thread and waits for it (bounded). */
    private static void inThread(AioContext ctx, Runnable body) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        ctx.schedule(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure[0] = t;
            } finally {
                done.countDown();
            }
        });
        await(done);
        if (failure[0] != null) {
            throw new AssertionError("in " + ctx.name(), failure[0]);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("not within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
