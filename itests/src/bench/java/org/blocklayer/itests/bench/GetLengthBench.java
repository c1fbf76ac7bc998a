package org.blocklayer.itests.bench;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The per-call cost of {@code BlockNode.getLength()} on a raw-over-file node (the seed's path, DESIGN §8), in plain
 * Java: core and the drivers constructed directly, no OSGi.
 *
 * <ul>
 * <li>{@code wrapperMainloop}: the mixed read-lock wrapper called outside a coroutine, on the main loop's thread:
 * a coroutine created and entered per call, the read lock taken in it (B23, B26). A batch of {@link #BATCH} calls
 * runs in one {@code callInMainLoop}, so the hop there is spread over the batch.</li>
 * <li>{@code wrapperForeign}: the same wrapper from a thread that is no event loop: each call hops to the main loop
 * and back (DESIGN §8 step 2).</li>
 * <li>{@code wrapperIothread}: the same wrapper on a node moved to an iothread, called from the main loop holding
 * the node's AioContext lock as {@code BlockGraph.getLength(name)} does: each call schedules its coroutine in the
 * iothread and the main loop polls (dropping that lock) until it is done (B25, B28). Needs the graph's
 * {@code setAioContext}; without it setup fails and {@code itests/bench/run} leaves this one out.</li>
 * <li>{@code directCoroutine}: {@code coGetLength} inside a coroutine that already holds the read lock, as a driver
 * calls its child (B22): no coroutine, no lock, no poll per call.</li>
 * </ul>
 * Raw is variable-length, so every call asks raw, which asks file ({@code lseek(SEEK_END)} through FFM, B9, B15).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class GetLengthBench {

    static final int BATCH = 1000;
    /** Two thread handoffs per call: fewer calls per batch keep an invocation in milliseconds. */
    static final int IO_BATCH = 100;
    static final long IMAGE_SIZE = 65537;
    static final long EXPECTED_LENGTH = 66048;

    private Scheduler scheduler;
    private GraphRwLock graphLock;
    private Graph graph;
    private Path image;
    private BlockNode node;
    private Path ioImage;
    private BlockNode ioNode;
    private EventLoop io;
    private ContextMover mover;

    @Setup(Level.Trial)
    public void open(BenchmarkParams params) throws Exception {
        scheduler = new Scheduler();
        graphLock = new GraphRwLock(scheduler);
        graph = new Graph(scheduler, graphLock);
        graph.addDriver(new FileDriver(), "file", "0");
        graph.addDriver(new RawDriver(), "raw", "0");
        image = Files.createTempFile("blocklayer-bench", ".raw");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(IMAGE_SIZE);
        }
        node = graph.open(image.toString(), new BlockOptions().put("node-name", "bench"), OpenFlags.RDWR);
        if (node.getLength() != EXPECTED_LENGTH || direct() != EXPECTED_LENGTH * BATCH) {
            throw new IllegalStateException("unexpected length of " + node + ": " + node.getLength());
        }
        System.err.println("coroutine backend: " + Coroutine.backendName());
        if (params.getBenchmark().endsWith(".wrapperIothread")) {
            openInIothread();
        }
    }

    /** The node of {@code wrapperIothread}, moved to an iothread; only that benchmark pays for it. */
    private void openInIothread() throws Exception {
        mover = ContextMover.of(graph, scheduler);
        if (!mover.canMove()) {
            throw new UnsupportedOperationException("getlength.wrapper.iothread skipped: " + mover.whyNot());
        }
        io = mover.createIothread("bench-io");
        ioImage = Files.createTempFile("blocklayer-bench-io", ".raw");
        try (RandomAccessFile f = new RandomAccessFile(ioImage.toFile(), "rw")) {
            f.setLength(IMAGE_SIZE);
        }
        ioNode = graph.open(ioImage.toString(), new BlockOptions().put("node-name", "bench-io"), OpenFlags.RDWR);
        mover.move(ioNode, io);
        if (ioNode.aioContext() != io || iothread() != EXPECTED_LENGTH * IO_BATCH) {
            throw new IllegalStateException("node " + ioNode + " is in " + ioNode.aioContext() + ", not " + io);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        if (ioNode != null) {
            graph.close("bench-io");
            mover.destroyIothread(io);
        }
        if (ioImage != null) {
            Files.deleteIfExists(ioImage);
        }
        graph.close("bench");
        scheduler.close();
        Files.deleteIfExists(image);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long wrapperMainloop() throws Exception {
        return scheduler.callInMainLoop(() -> {
            long sum = 0;
            for (int i = 0; i < BATCH; i++) {
                sum += node.getLength();
            }
            return sum;
        });
    }

    @Benchmark
    public long wrapperForeign() throws BlockException {
        return node.getLength();
    }

    @Benchmark
    @OperationsPerInvocation(IO_BATCH)
    public long wrapperIothread() throws Exception {
        return iothread();
    }

    private long iothread() throws Exception {
        return scheduler.callInMainLoop(() -> {
            EventLoop ctx = (EventLoop) ioNode.aioContext();
            ctx.acquire();
            try {
                long sum = 0;
                for (int i = 0; i < IO_BATCH; i++) {
                    sum += ioNode.getLength();
                }
                return sum;
            } finally {
                ctx.release();
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long directCoroutine() throws Exception {
        return direct();
    }

    /** {@code BATCH} calls of {@code coGetLength} in one coroutine entered on the main loop, holding the read lock. */
    private long direct() throws Exception {
        return scheduler.callInMainLoop(() -> {
            long[] sum = new long[1];
            BlockException[] failure = new BlockException[1];
            Coroutine co = Coroutine.create(() -> {
                try (GraphLock.Reader r = graphLock.coRdlock()) {
                    for (int i = 0; i < BATCH; i++) {
                        sum[0] += node.coGetLength();
                    }
                } catch (BlockException e) {
                    failure[0] = e;
                }
            });
            scheduler.mainLoop().coEnter(co);
            if (!co.isTerminated()) {
                throw new IllegalStateException("the measuring coroutine yielded: coGetLength is not direct");
            }
            if (failure[0] != null) {
                throw failure[0];
            }
            return sum[0];
        });
    }
}
