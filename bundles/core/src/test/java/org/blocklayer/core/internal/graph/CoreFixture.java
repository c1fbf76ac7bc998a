package org.blocklayer.core.internal.graph;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.CoFn;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;

/**
 * Core without OSGi: a scheduler with its main loop, the graph lock, the graph and a recording Event Admin. Public
 * for core's other test packages (declared nodes), which need a real graph too.
 */
public final class CoreFixture implements AutoCloseable {
    final Scheduler scheduler = new Scheduler();
    final GraphRwLock lock = new GraphRwLock(scheduler);
    public final Graph graph = new Graph(scheduler, lock);
    /** Every node event the graph posts, as a bound Event Admin sees them. */
    final RecordingEventAdmin events = new RecordingEventAdmin();

    {
        graph.bindEventAdmin(events);
    }

    /**
     * Registers the real file and raw drivers as bundles of {@code version} would; returns the file driver, which
     * tests take away and bring back.
     */
    public FileDriver addFileAndRawDrivers(String version) {
        FileDriver file = new FileDriver();
        graph.addDriver(file, "org.blocklayer.driver.file", version);
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", version);
        return file;
    }

    /** A sparse file of exactly {@code size} bytes, {@code dir/name}. */
    public static Path sparseFile(Path dir, String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    /** Registers a scriptable driver with getlength. */
    TestDriver driver(String name) {
        TestDriver d = TestDriver.withGetLength(name);
        graph.addDriver(d, "test.bundle", "1.0.0");
        return d;
    }

    /** Registers a scriptable driver without getlength (QEMU's NULL {@code bdrv_co_getlength}). */
    TestDriver driverWithoutGetLength(String name) {
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

    /** The context named {@code name}: "main" or an iothread's. */
    EventLoop context(String name) {
        return scheduler.contexts().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    <T> T inMain(CoFn<T> body) throws BlockException {
        return scheduler.inMainLoop(body);
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
