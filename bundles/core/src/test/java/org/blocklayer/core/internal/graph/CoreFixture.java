package org.blocklayer.core.internal.graph;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.CoFn;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.lock.GraphRwLock;

/** Core without OSGi: a scheduler with its main loop, the graph lock, the graph and a recording Event Admin. */
final class CoreFixture implements AutoCloseable {
    final Scheduler scheduler = new Scheduler();
    final GraphRwLock lock = new GraphRwLock(scheduler);
    final Graph graph = new Graph(scheduler, lock);
    /** Every node event the graph posts, as a bound Event Admin sees them. */
    final RecordingEventAdmin events = new RecordingEventAdmin();

    {
        graph.bindEventAdmin(events);
    }

    TestDriver driver(String name) {
        TestDriver d = new TestDriver(name);
        graph.addDriver(d, "test.bundle", "1.0.0");
        return d;
    }

    BlockDriverState open(String options) throws BlockException {
        return (BlockDriverState) graph.open(null, BlockOptions.parse(options), OpenFlags.RDWR);
    }

    /** Runs {@code body} in a coroutine in the main loop, holding nothing, and waits for it. */
    <T> T inCoroutine(CoFn<T> body) throws BlockException {
        return scheduler.inMainLoop(() -> CoWrappers.wrapper(scheduler.mainLoop(), body));
    }

    /** Runs {@code body} in a coroutine in the main loop holding the graph read lock. */
    <T> T inReader(CoFn<T> body) throws BlockException {
        return scheduler.inMainLoop(() -> CoWrappers.wrapperRdlock(scheduler.mainLoop(), lock, body));
    }

    <T> T inMain(CoFn<T> body) throws BlockException {
        return scheduler.inMainLoop(body);
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
