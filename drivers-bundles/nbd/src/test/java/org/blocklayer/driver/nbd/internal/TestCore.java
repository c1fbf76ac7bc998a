package org.blocklayer.driver.nbd.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.CoFn;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;

/**
 * Core without OSGi, with the file, raw and nbd drivers: the nbd driver inside a real graph. Tests read and write a
 * node through a BlockBackend on it, as users outside the graph do.
 */
final class TestCore implements AutoCloseable {
    final Scheduler scheduler = new Scheduler();
    final GraphRwLock lock = new GraphRwLock(scheduler);
    final Graph graph = new Graph(scheduler, lock);
    final NbdDriver nbd = new NbdDriver(scheduler);
    private final List<BlockBackend> backends = new CopyOnWriteArrayList<>();

    TestCore() {
        graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "test");
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "test");
        graph.addDriver(nbd, "org.blocklayer.driver.nbd", "test");
    }

    /**
     * Opens a node and attaches an anonymous backend to it: consistent read, and write when {@code flags} open it
     * read-write, sharing everything, so that a test's other backends and its peers never conflict with it.
     */
    BlockBackend open(String filename, String options, int flags) throws BlockException {
        return attach(graph.open(filename, BlockOptions.parse(options), flags));
    }

    /** A backend on {@code node} (one the test opened, or a child of one), as {@link #open} makes them. */
    BlockBackend attach(BlockNode node) throws BlockException {
        EnumSet<Permission> taken = node.isReadOnly() ? EnumSet.of(Permission.CONSISTENT_READ)
                : EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE);
        BlockBackend blk = graph.attach(node.nodeName(), "", taken, EnumSet.allOf(Permission.class));
        backends.add(blk);
        return blk;
    }

    /** The node under {@code blk}. */
    BlockNode node(BlockBackend blk) throws BlockException {
        return graph.node(blk.nodeName());
    }

    /** The node under {@code blk} as its driver sees it: for tests that call the nbd driver as core would. */
    DriverNode driverNode(BlockBackend blk) throws BlockException {
        return (DriverNode) node(blk);
    }

    /** Closes the backend, then its node. */
    void close(BlockBackend blk) throws BlockException {
        blk.close();
        graph.close(blk.nodeName());
    }

    /** Runs {@code body} in a coroutine in the main loop holding the graph read lock, and waits for it. */
    <T> T inReader(CoFn<T> body) throws BlockException {
        return scheduler.inMainLoop(() -> CoWrappers.wrapperRdlock(scheduler.mainLoop(), lock, body));
    }

    /**
     * Starts {@code n} coroutines at once in the context of {@code blk}'s node, each running {@code body.apply(i)}
     * (a request of {@code blk}'s runs inline in it); the futures complete with each one's outcome.
     */
    List<CompletableFuture<Void>> concurrently(BlockBackend blk, int n, IndexedBody body) throws BlockException {
        AioContext ctx = node(blk).aioContext();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            done.add(new CompletableFuture<>());
        }
        ctx.schedule(() -> {
            for (int i = 0; i < n; i++) {
                int index = i;
                CompletableFuture<Void> f = done.get(i);
                scheduler.start(ctx, () -> {
                    try {
                        body.run(index);
                        f.complete(null);
                    } catch (Throwable t) {
                        f.completeExceptionally(t);
                    }
                });
            }
        });
        return done;
    }

    @FunctionalInterface
    interface IndexedBody {
        void run(int index) throws BlockException;
    }

    static ByteBuffer pattern(int length, int value) {
        ByteBuffer b = ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++) {
            b.put((byte) value);
        }
        return b.flip();
    }

    /**
     * Closes the nodes users opened (top first), then stops the scheduler. Bounded: a node whose requests are
     * stuck would keep the graph's write lock waiting forever, and that must show as a failure, not a hang.
     */
    @Override
    public void close() {
        Thread closer = Thread.ofPlatform().daemon().start(this::closeNodes);
        try {
            closer.join(java.time.Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.close();
        if (closer.isAlive()) {
            throw new AssertionError("closing the nodes did not finish within 20 s: requests are stuck");
        }
    }

    private void closeNodes() {
        backends.forEach(BlockBackend::close);
        for (int pass = 0; pass < 3 && !graph.nodes().isEmpty(); pass++) {
            for (var n : graph.nodes().reversed()) {
                try {
                    graph.close(n.node());
                } catch (BlockException | RuntimeException e) {
                    // a child still in use, or already gone with its parent: the next pass takes it
                }
            }
        }
    }
}
