package org.blocklayer.itests.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.CoMutex;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.hostdevice.internal.HostDeviceDriver;
import org.blocklayer.driver.nbd.internal.NbdDriver;
import org.blocklayer.driver.raw.internal.RawDriver;

/**
 * The randomized stress run of issue 3: core built directly (no OSGi), two iothreads, several threads doing random
 * operations for a bounded time, invariants checked as it goes and at the end, a watchdog against hangs.
 *
 * <p>Usage: {@code Stress [--minutes M] [--threads T] [--slots S] [--seed N] [--serial-main] [--skip OP,...]};
 * {@code itests/bench/run stress} builds and runs it. {@code --serial-main} lets only one of the run's threads at a
 * time call global-state code in the main loop (open, close, node list, {@code BlockGraph.getLength}, moves, the
 * write lock, wrappers called in the main loop), so that none of those calls runs nested inside another one's
 * wait; requests from foreign threads stay concurrent. {@code --skip} leaves operations out (names as in the
 * progress lines, e.g. {@code length_home,move}), to tell one failure from another.
 *
 * <p>Prints the per-operation counts, {@code figure stress.ops N ops}, {@code figure stress.minutes M min} (how long
 * it ran: less than asked when it stopped early after {@value #MAX_FAILURES} failures) and {@code stress: OK}
 * (exit 0) or {@code stress: FAILED <why>} (exit 1).
 */
public final class Stress {
    private static final long HANG_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int MAX_FAILURES = 20;
    /** Each operation must run at least this often per second of the run, per unit of its weight. */
    private static final int MIN_PER_SECOND = 1;
    /** Threads the JVM (or the JDK's virtual-thread scheduler) may start on its own; never a leak of ours. */
    private static final Pattern JVM_THREADS = Pattern.compile("Attach Listener|Common-Cleaner|process reaper.*"
            + "|ForkJoinPool.*|VirtualThread-.*|Read-Poller|Write-Poller|JFR.*|Notification Thread"
            + "|Signal Dispatcher|Reference Handler|Finalizer|DestroyJavaVM|stress-.*");

    /** Every operation the run picks from, with its weight. */
    enum Op {
        OPEN_CLOSE(3), LENGTH_FOREIGN(3), LENGTH_GRAPH(2), LENGTH_MAIN(2), LENGTH_HOME(2), LENGTH_IOTHREAD(3),
        READ_FOREIGN(3), WRITE_FOREIGN(3), READ_MAIN(1), WRITE_MAIN(1), READ_IOTHREAD(3), WRITE_IOTHREAD(3),
        FLUSH(1), WRLOCK(2), MOVE(3), COMUTEX(2), COROUTINES(1), RESIZE(1), SHARED_CHILD(2), DRIVER_SWAP(1),
        EXPORT(1);

        final int weight;

        Op(int weight) {
            this.weight = weight;
        }
    }

    private final double minutes;
    private final int threads;
    /** With --serial-main: held around every global-state call of the run; else null. */
    private final ReentrantLock serialMain;
    private final long seed;
    private final StressSlot[] slots;
    private final Path dir;

    private final Scheduler scheduler;
    private final GraphRwLock lock;
    private final Graph graph;
    private final ContextMover mover;
    private final StressReshape reshape;
    private final List<EventLoop> iothreads = new ArrayList<>();
    private final List<Op> menu = new ArrayList<>();
    /** The fixed media (loop devices, qemu-nbd servers) the run set up: given back at the end. */
    private final List<StressMedium> media = new ArrayList<>();
    /** blocklayer's NBD server and a libnbd client process, for {@link Op#EXPORT}; null when skipped. */
    private final StressExport export;
    /** Per medium kind ({@code file}, {@code host_device}, {@code nbd}): opens, and operations on open nodes. */
    private final Map<String, LongAdder> opensByKind = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> opsByKind = new java.util.concurrent.ConcurrentSkipListMap<>();

    private final Map<Op, LongAdder> done = new EnumMap<>(Op.class);
    private final LongAdder skipped = new LongAdder();
    /** What each worker does now, for the report of a hung run. */
    private final Map<String, String> doing = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping;
    /** True while the run's writer holds the graph write lock: readers check it while they hold the read lock. */
    private volatile boolean writerHolds;
    /** The process's descriptors before core started: none may be left over at the end (jars aside). */
    private final StressFds fdsBefore;
    private final long started = System.nanoTime();

    /** The file driver now registered: {@link Op#DRIVER_SWAP} replaces it by a new instance. */
    private volatile FileDriver fileDriver = new FileDriver();
    private final AtomicLong driverGeneration = new AtomicLong();
    /** Swaps begun and ended: an operation that overlapped one may meet its detached nodes. */
    private final AtomicLong swapsStarted = new AtomicLong();
    private final AtomicLong swapsEnded = new AtomicLong();
    /** Operations that met a node detached by a swap and got ENOMEDIUM, as X1 says they must. */
    private final LongAdder swapOverlaps = new LongAdder();

    private final CoMutex mutex = new CoMutex();
    /** Guarded by {@link #mutex}: incremented across a yield, so a broken mutex loses increments. */
    private long mutexCounter;
    private final LongAdder mutexOps = new LongAdder();
    private final LongAdder coroutinesCreated = new LongAdder();
    private final LongAdder coroutinesTerminated = new LongAdder();
    private final ConcurrentLinkedQueue<String> coroutinesNotTerminated = new ConcurrentLinkedQueue<>();

    private Stress(double minutes, int threads, int slotCount, long seed, boolean serialMain, Set<Op> skip,
            Set<String> kinds) throws Exception {
        // The JDK keeps one socket of its own for closing channels (its pre-close socketpair), made with the first
        // socket channel: made now, before the census, the NBD operations' first socket does not count as a leak.
        java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX).close();
        this.fdsBefore = StressFds.census(Path.of("/nonexistent"));
        this.minutes = minutes;
        this.threads = threads;
        this.serialMain = serialMain ? new ReentrantLock(true) : null;
        this.seed = seed;
        this.slots = new StressSlot[slotCount];
        this.dir = Files.createTempDirectory("blocklayer-stress");
        Random sizes = new Random(seed - 1);
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new StressSlot(i, medium(i, kinds, sizes));
        }
        scheduler = new Scheduler();
        lock = new GraphRwLock(scheduler);
        graph = new Graph(scheduler, lock);
        graph.addDriver(fileDriver, "file", "0");
        graph.addDriver(new RawDriver(), "raw", "0");
        graph.addDriver(new HostDeviceDriver(), "host_device", "0");
        graph.addDriver(new NbdDriver(scheduler), "nbd", "0");
        export = skip.contains(Op.EXPORT) ? null : peer("the export operation", () -> StressExport.start(scheduler,
                graph, dir));
        if (export == null) {
            skip.add(Op.EXPORT);
        }
        mover = ContextMover.of(graph, scheduler);
        reshape = new StressReshape(graph, this::global, this::fail);
        iothreads.add(mover.createIothread("stress-io1"));
        iothreads.add(mover.createIothread("stress-io2"));
        for (Op op : Op.values()) {
            done.put(op, new LongAdder());
            if ((op != Op.MOVE || mover.canMove()) && !skip.contains(op)) {
                for (int i = 0; i < op.weight; i++) {
                    menu.add(op);
                }
            }
        }
    }

    /**
     * Slot {@code i}'s medium: of every four slots, the first over a loop device and the second over qemu-nbd, the
     * rest over temp files; a kind left out of {@code --kinds}, or that this machine cannot provide, is a temp file
     * instead (said on stderr; under CI, where .ci/run installed the peers, that fails the run instead).
     */
    private StressMedium medium(int i, Set<String> kinds, Random sizes) throws Exception {
        long size = StressSlot.SECTOR * (1 + (long) sizes.nextInt(StressMedium.MAX_SIZE / StressSlot.SECTOR));
        StressMedium m = switch (i % 4) {
            case 0 -> kinds.contains("host_device")
                    ? peer("host_device slots", () -> StressMedium.LoopDevice.create(dir, i, size)) : null;
            case 1 -> kinds.contains("nbd") ? peer("nbd slots", () -> StressMedium.QemuNbd.start(dir, i, size)) : null;
            default -> null;
        };
        if (m == null) {
            return new StressMedium.TempFiles();
        }
        media.add(m);
        return m;
    }

    /** What a peer sets up, or null with the reason printed when this machine cannot; under CI=true it must. */
    private static <T> T peer(String what, CoTask.Body<T> setUp) throws Exception {
        try {
            return setUp.call();
        } catch (Exception e) {
            String why = what + " unavailable: " + e.getMessage();
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException(why + " (CI=true: .ci/run installs what the stress run needs)", e);
            }
            System.err.println("stress: " + why + "; left out");
            return null;
        }
    }

    public static void main(String[] args) throws Exception {
        // Before core's Coroutine class loads: count every coroutine of the process, the co-wrappers' too.
        System.setProperty(Coroutine.COUNT_PROPERTY, "true");
        double minutes = 10;
        int threads = 4;
        int slots = 8;
        long seed = System.nanoTime();
        boolean serialMain = false;
        Set<Op> skip = java.util.EnumSet.noneOf(Op.class);
        Set<String> kinds = new TreeSet<>(List.of("file", "host_device", "nbd"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> minutes = Double.parseDouble(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--slots" -> slots = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--serial-main" -> serialMain = true;
                case "--kinds" -> kinds = new TreeSet<>(List.of(args[++i].split(",")));
                case "--skip" -> {
                    for (String name : args[++i].split(",")) {
                        skip.add(Op.valueOf(name.trim().toUpperCase()));
                    }
                }
                default -> {
                    System.err.println("usage: Stress [--minutes M] [--threads T] [--slots S] [--seed N]"
                            + " [--serial-main] [--skip OP,...] [--kinds file,host_device,nbd]");
                    System.exit(2);
                }
            }
        }
        Set<String> before = threadNames();
        Stress run = new Stress(minutes, threads, slots, seed, serialMain, skip, kinds);
        String why = run.run(before);
        System.out.println("counts " + run.counts());
        System.out.println("kinds " + run.kindCounts());
        System.out.println("figure stress.ops " + run.total() + " ops");
        System.out.println("figure stress.skipped " + run.skipped.sum() + " picks");
        System.out.println("figure stress.swap_overlaps " + run.swapOverlaps.sum() + " ops");
        System.out.println("figure stress.minutes " + run.elapsedMinutes() + " min");
        System.out.println(why == null ? "stress: OK" : "stress: FAILED " + why);
        System.out.flush();
        System.exit(why == null ? 0 : 1);
    }

    /** The whole run; null when every check passed, else why not. */
    private String run(Set<String> threadsBefore) throws Exception {
        System.err.printf("stress: %.1f min, %d threads, %d slots, seed %d, coroutine backend %s, iothreads %s,"
                + " node moves %s, main-loop calls %s, slots %s, operations %s%n", minutes, threads, slots.length, seed,
                Coroutine.backendName(), iothreads.stream().map(EventLoop::name).toList(),
                mover.canMove() ? "on" : "off (" + mover.whyNot() + ")",
                serialMain == null ? "concurrent" : "serialized (--serial-main)",
                java.util.Arrays.stream(slots).map(sl -> sl.medium.fresh() ? "file" : sl.medium.toString()).toList(),
                menu.stream().distinct().map(op -> op.name().toLowerCase()).toList());
        StressWatchdog watchdog = new StressWatchdog(lastProgress, HANG_NANOS, this::hung);
        watchdog.start();
        // Stopped from outside (the run script's timeout, ^C): the temp files go anyway.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::deleteTempFiles));
        long end = System.nanoTime() + (long) (minutes * 60e9);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed + t);
            workers.add(Thread.ofPlatform().name("stress-worker-" + t).start(() -> work(random, end)));
        }
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread w : workers) {
            while (!w.join(java.time.Duration.ofSeconds(1))) {
                if (System.nanoTime() > nextReport) {
                    report();
                    nextReport += TimeUnit.SECONDS.toNanos(10);
                }
            }
        }
        report();
        finish(threadsBefore);
        checkCounts();
        watchdog.stop();
        if (failures.isEmpty()) {
            return null;
        }
        System.err.println("stress: " + failures.size() + " failure(s):");
        failures.forEach(f -> System.err.println("  " + f));
        String first = failures.peek().lines().findFirst().orElse("?");
        return first + (failures.size() > 1 ? " (+" + (failures.size() - 1) + " more)" : "");
    }

    private void work(Random random, long end) {
        while (!stopping && System.nanoTime() < end) {
            Op op = menu.get(random.nextInt(menu.size()));
            doing.put(Thread.currentThread().getName(), op.toString());
            // Ended first: a swap that ends between the two reads then counts as still in progress at the start.
            long swapsEndedBefore = swapsEnded.get();
            long swapsBefore = swapsStarted.get();
            try {
                if (perform(op, random)) {
                    done.get(op).increment();
                } else {
                    skipped.increment();
                }
                lastProgress.set(System.nanoTime());
            } catch (Throwable t) {
                if (detachedBySwap(t, swapsBefore, swapsEndedBefore)) {
                    swapOverlaps.increment();
                    done.get(op).increment();
                } else {
                    fail(op + " failed: " + t + "\n" + stack(t));
                }
            }
        }
    }

    /** One operation; false when it found nothing to work on (a slot busy or empty). */
    private boolean perform(Op op, Random random) throws Exception {
        switch (op) {
            case WRLOCK -> {
                writeLock(random);
                return true;
            }
            case COMUTEX -> {
                mutexStep(random);
                return true;
            }
            case COROUTINES -> {
                coroutines(random);
                return true;
            }
            case DRIVER_SWAP -> {
                swapFileDriver();
                return true;
            }
            case OPEN_CLOSE -> {
                // The first slot no other thread uses, from a random one on: a pick is skipped only when all are.
                int first = random.nextInt(slots.length);
                for (int i = 0; i < slots.length; i++) {
                    StressSlot slot = slots[(first + i) % slots.length];
                    if (slot.use.writeLock().tryLock()) {
                        try {
                            if (slot.isOpen()) {
                                close(slot);
                            } else {
                                open(slot, random);
                            }
                        } finally {
                            slot.use.writeLock().unlock();
                        }
                        return true;
                    }
                }
                return false;
            }
            case RESIZE -> {
                // The first open slot no other thread uses, from a random one on.
                int first = random.nextInt(slots.length);
                for (int i = 0; i < slots.length; i++) {
                    StressSlot slot = slots[(first + i) % slots.length];
                    if (slot.use.writeLock().tryLock()) {
                        try {
                            if (slot.isOpen() && slot.resizable()) {
                                reshape.resize(slot, random);
                                countKind(slot);
                                return true;
                            }
                        } finally {
                            slot.use.writeLock().unlock();
                        }
                    }
                }
                return false;
            }
            default -> {
                // The first open slot from a random one on: a pick is skipped only when no node is open.
                int first = random.nextInt(slots.length);
                for (int i = 0; i < slots.length; i++) {
                    StressSlot slot = slots[(first + i) % slots.length];
                    if (slot.use.readLock().tryLock()) {
                        try {
                            if (slot.isOpen()) {
                                boolean worked = onNode(op, slot, random);
                                if (worked) {
                                    countKind(slot);
                                }
                                return worked;
                            }
                        } finally {
                            slot.use.readLock().unlock();
                        }
                    }
                }
                return false;
            }
        }
    }

    private boolean onNode(Op op, StressSlot slot, Random random) throws Exception {
        BlockNode node = slot.node;
        doing.put(Thread.currentThread().getName(), op + " on " + slot.describe() + " in " + node.aioContext());
        switch (op) {
            case LENGTH_FOREIGN -> checkLength(slot, node.getLength(), "getLength from a foreign thread");
            case LENGTH_GRAPH -> checkLength(slot, global(() -> graph.getLength(slot.name)),
                    "BlockGraph.getLength");
            case LENGTH_MAIN -> checkLength(slot, inMainWithContextLock(node, node::getLength),
                    "getLength in the main loop");
            case LENGTH_HOME -> {
                Long length = inHomeContext(node);
                if (length == null) {
                    return false;
                }
                checkLength(slot, length, "getLength in the node's own context, outside a coroutine");
            }
            case LENGTH_IOTHREAD -> {
                long[] lengths = inCoroutine(randomIothread(random), () -> {
                    try (GraphLock.Reader r = lock.coRdlock()) {
                        noWriterHolds("before the reads");
                        long[] l = {node.coGetLength(), node.getLength(), node.file().node().coGetLength()};
                        noWriterHolds("after the reads");
                        return l;
                    }
                });
                checkLength(slot, lengths[0], "coGetLength in an iothread coroutine");
                checkLength(slot, lengths[1], "getLength (inline) in an iothread coroutine");
                if (lengths[2] != slot.fileLength) {
                    fail(slot.describe() + ": file child length " + lengths[2] + ", expected " + slot.fileLength);
                }
            }
            case READ_FOREIGN, READ_MAIN, READ_IOTHREAD, WRITE_FOREIGN, WRITE_MAIN, WRITE_IOTHREAD ->
                    io(op, slot, random);
            case FLUSH -> slot.backend.flush();
            case SHARED_CHILD -> reshape.sharedChild(slot, random);
            case EXPORT -> export.readThrough(slot, random, this::fail);
            case MOVE -> {
                EventLoop target = random.nextInt(3) == 0 ? scheduler.mainLoop() : randomIothread(random);
                global(() -> scheduler.callInMainLoop(() -> {
                    mover.move(node, target);
                    if (node.aioContext() != target) {
                        fail(slot.describe() + ": moved to " + target + " but is in " + node.aioContext());
                    }
                    return null;
                }));
            }
            default -> throw new IllegalStateException(op.toString());
        }
        return true;
    }

    private void io(Op op, StressSlot slot, Random random) throws Exception {
        BlockNode node = slot.node;
        BlockBackend blk = slot.backend;
        int c = random.nextInt(slot.chunkCount());
        long[] range = slot.range(c, random);
        long at = range[0];
        int bytes = (int) range[1];
        boolean write = op.name().startsWith("WRITE");
        byte[] data = new byte[bytes];
        random.nextBytes(data);
        ByteBuffer buf = write ? ByteBuffer.wrap(data) : ByteBuffer.allocate(bytes);
        ReentrantLock chunk = slot.chunk(c);
        chunk.lock();
        try {
            switch (op) {
                case READ_FOREIGN -> blk.pread(at, buf);
                case WRITE_FOREIGN -> blk.pwrite(at, buf);
                case READ_MAIN -> inMainWithContextLock(node, () -> {
                    blk.pread(at, buf);
                    return null;
                });
                case WRITE_MAIN -> inMainWithContextLock(node, () -> {
                    blk.pwrite(at, buf);
                    return null;
                });
                // Inside a coroutine the backend's request runs inline, taking the graph read lock itself.
                case READ_IOTHREAD, WRITE_IOTHREAD -> inCoroutine(randomIothread(random), () -> {
                    if (write) {
                        blk.pwrite(at, buf);
                    } else {
                        blk.pread(at, buf);
                    }
                    return null;
                });
                default -> throw new IllegalStateException(op.toString());
            }
            if (write) {
                slot.wrote(at, data);
            } else {
                buf.flip();
                String diff = buf.remaining() != bytes ? slot.describe() + ": read " + buf.remaining() + " of "
                        + bytes + " B at " + at : slot.mismatch(at, buf);
                if (diff != null) {
                    fail(op + ": " + diff);
                }
            }
        } finally {
            chunk.unlock();
        }
    }

    private void open(StressSlot slot, Random random) throws Exception {
        BlockOptions options = slot.prepare(dir, random);
        boolean inMain = random.nextBoolean();
        BlockNode node;
        BlockBackend blk;
        try {
            node = global(() -> inMain
                    ? scheduler.callInMainLoop(() -> graph.open(slot.filename(), options, OpenFlags.RDWR))
                    : graph.open(slot.filename(), options, OpenFlags.RDWR));
        } catch (Exception e) {
            slot.closed();
            throw e;
        }
        try {
            // Reads and writes go through a backend on the node, as a guest's do; it shares everything.
            blk = global(() -> graph.attach(slot.name, "", EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                    EnumSet.allOf(Permission.class)));
        } catch (Exception e) {
            global(() -> {
                graph.close(slot.name);
                return null;
            });
            slot.closed();
            throw e;
        }
        slot.opened(node, blk);
        opensByKind.computeIfAbsent(slot.medium.kind(), k -> new LongAdder()).increment();
        checkLength(slot, node.getLength(), "getLength after open");
        long child = node.file().node().getLength();
        if (child != slot.fileLength || StressSlot.roundUp(slot.mediumSize()) != slot.fileLength) {
            fail(slot.describe() + ": file child length " + child + ", medium size " + slot.mediumSize()
                    + ", expected both to round up to " + slot.fileLength);
        }
        if (mover.canMove() && random.nextBoolean()) {
            EventLoop target = randomIothread(random);
            global(() -> {
                mover.move(node, target);
                return null;
            });
        }
    }

    private void close(StressSlot slot) throws Exception {
        BlockNode node = slot.node;
        checkLength(slot, node.getLength(), "getLength before close");
        if (StressSlot.roundUp(slot.mediumSize()) != slot.fileLength) {
            fail(slot.describe() + ": medium size " + slot.mediumSize() + " no longer rounds up to "
                    + slot.fileLength);
        }
        global(() -> {
            slot.backend.close();
            graph.close(slot.name);
            return null;
        });
        try {
            long length = node.getLength();
            fail(slot.describe() + ": closed node still answers getLength " + length);
        } catch (BlockException e) {
            if (e.errno() != Errno.ENOMEDIUM) {
                fail(slot.describe() + ": closed node: " + e.describe() + ", expected ENOMEDIUM");
            }
        }
        for (NodeInfo info : global(graph::nodes)) {
            if (info.node().equals(slot.name) || info.node().equals(slot.childName)) {
                fail(slot.describe() + ": node " + info.node() + " still in the graph after close");
            }
        }
        String diff = slot.fileMismatch();
        if (diff != null) {
            fail(diff);
        }
        slot.closed();
    }

    /**
     * The write lock in the main loop: no reader may hold it meanwhile. A reader that arrives now counts itself for
     * an instant before it sees the writer and backs off (the lock's protocol, as QEMU's), so a count above zero is a
     * holder only if it never drops back to zero while the writer holds.
     */
    private void writeLock(Random random) throws Exception {
        long pause = random.nextInt(500_000);
        global(() -> scheduler.callInMainLoop(() -> {
            try (GraphLock.Writer w = lock.wrlock()) {
                writerHolds = true;
                long readers = lock.readerCount();
                for (int i = 0; readers != 0 && i < 1000; i++) {
                    LockSupport.parkNanos(10_000);
                    readers = lock.readerCount();
                }
                if (readers != 0 || !lock.hasWriter()) {
                    fail("write lock held with " + readers + " reader(s) counted for 10 ms, hasWriter "
                            + lock.hasWriter());
                }
                LockSupport.parkNanos(pause);
                writerHolds = false;
            }
            return null;
        }));
    }

    /**
     * Called by a reader holding the graph read lock: no writer may hold the write lock at the same time. Checked
     * by the readers themselves, while they hold the lock, so an exclusion bug however short shows when it happens.
     */
    private void noWriterHolds(String when) {
        if (writerHolds) {
            fail("a reader holds the graph read lock while a writer holds the write lock (" + when + ")");
        }
    }

    /** A coroutine in a random context increments a counter under the shared CoMutex, yielding in between. */
    private void mutexStep(Random random) throws Exception {
        EventLoop ctx = random.nextInt(3) == 0 ? scheduler.mainLoop() : randomIothread(random);
        boolean sleep = random.nextBoolean();
        inCoroutine(ctx, () -> {
            mutex.lock();
            try {
                long v = mutexCounter;
                if (sleep) {
                    Coroutine.sleep(0);
                }
                mutexCounter = v + 1;
            } finally {
                mutex.unlock();
            }
            return null;
        });
        mutexOps.increment();
    }

    /** A coroutine that creates, enters and re-enters nested coroutines that yield once. */
    private void coroutines(Random random) throws Exception {
        int n = 1 + random.nextInt(16);
        inCoroutine(randomIothread(random), () -> {
            List<Coroutine> children = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Coroutine co = Coroutine.create(Coroutine::yield_);
                coroutinesCreated.increment();
                co.enter();
                children.add(co);
            }
            for (Coroutine co : children) {
                co.enter();
                if (co.isTerminated()) {
                    coroutinesTerminated.increment();
                } else {
                    coroutinesNotTerminated.add("nested coroutine alive after its second entry");
                }
            }
            return null;
        });
    }

    // ---- where things run ----

    private EventLoop randomIothread(Random random) {
        return iothreads.get(random.nextInt(iothreads.size()));
    }

    /** {@code work} in the main loop holding the node's AioContext lock, as BlockGraph.getLength does. */
    private <T> T inMainWithContextLock(BlockNode node, CoTask.Body<T> work) throws Exception {
        return global(() -> scheduler.callInMainLoop(() -> {
            EventLoop ctx = (EventLoop) node.aioContext();
            ctx.acquire();
            try {
                return work.call();
            } finally {
                ctx.release();
            }
        }));
    }

    /** A call whose main-loop part is global-state code: one at a time with --serial-main. */
    /**
     * A live swap of the file driver (X1/X2): the one registered goes and a new instance comes in one main-loop
     * call, so no open between them finds no file driver; every file node detaches and reattaches, and requests
     * meanwhile wait for it (MediumWait) rather than fail.
     */
    private void swapFileDriver() throws Exception {
        global(() -> scheduler.callInMainLoop(() -> {
            FileDriver old = fileDriver;
            FileDriver fresh = new FileDriver();
            swapsStarted.incrementAndGet();
            try {
                graph.removeDriver(old);
                graph.addDriver(fresh, "file", Long.toString(driverGeneration.incrementAndGet()));
                fileDriver = fresh;
            } finally {
                swapsEnded.incrementAndGet();
            }
            return null;
        }));
    }

    /**
     * X1: while a swap has a node detached, or its driver is reopening it, a length (not a request, which waits: X2)
     * answers ENOMEDIUM naming the driver gone. Only an operation that overlapped a swap may see that; any other
     * ENOMEDIUM, and a plain "No medium found" (which a reattach between two reads of the medium once gave), is a
     * failure.
     */
    private boolean detachedBySwap(Throwable t, long startedBefore, long endedBefore) {
        boolean overlapped = startedBefore != endedBefore || swapsStarted.get() != startedBefore;
        return overlapped && t instanceof BlockException e && e.errno() == Errno.ENOMEDIUM
                && e.getMessage().contains("driver 'file' gone");
    }

    private <T> T global(CoTask.Body<T> call) throws Exception {
        if (serialMain == null) {
            return call.call();
        }
        serialMain.lock();
        try {
            return call.call();
        } finally {
            serialMain.unlock();
        }
    }

    /**
     * {@code getLength} from a bottom half of the node's own context, outside a coroutine (the wrapper polls its own
     * context, B30); null when the node moved away before the bottom half ran.
     */
    private Long inHomeContext(BlockNode node) throws Exception {
        EventLoop ctx = (EventLoop) node.aioContext();
        CompletableFuture<Long> answer = new CompletableFuture<>();
        ctx.schedule(() -> {
            ctx.acquire();
            try {
                answer.complete(node.aioContext() == ctx ? node.getLength() : null);
            } catch (IllegalStateException moved) {
                // A move switches contexts without taking the old context's lock (ContextChange.switchContexts says
                // why), so holding it does not keep the node here as it would in QEMU: when the node left between
                // the check and the call, the wrapper refuses to wait on the new context from this iothread (B31).
                // That is the pick finding its node gone, not a failure; anything else is.
                if (node.aioContext() != ctx && moved.getMessage() != null
                        && moved.getMessage().contains("only the main loop may wait on another context")) {
                    answer.complete(null);
                } else {
                    answer.completeExceptionally(moved);
                }
            } catch (Throwable t) {
                answer.completeExceptionally(t);
            } finally {
                ctx.release();
            }
        });
        return await(answer);
    }

    /**
     * Runs {@code body} in a new coroutine scheduled in {@code ctx} and waits for it. Counts the coroutine, and
     * checks in a bottom half of the context it ended in (which runs after the coroutine returned) that it ended.
     */
    private <T> T inCoroutine(EventLoop ctx, CoTask.Body<T> body) throws Exception {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        Coroutine[] self = new Coroutine[1];
        self[0] = Coroutine.create(() -> {
            try {
                T result = body.call();
                EventLoop.currentOrNull().schedule(() -> verifyTerminated(self[0], outcome, result, null));
            } catch (Throwable t) {
                EventLoop here = EventLoop.currentOrNull();
                if (here == null) {
                    outcome.completeExceptionally(t);
                } else {
                    here.schedule(() -> verifyTerminated(self[0], outcome, null, t));
                }
            }
        });
        coroutinesCreated.increment();
        ctx.scheduleCoroutine(self[0]);
        return await(outcome);
    }

    private <T> void verifyTerminated(Coroutine co, CompletableFuture<T> outcome, T result, Throwable failure) {
        if (co.isTerminated()) {
            coroutinesTerminated.increment();
        } else {
            coroutinesNotTerminated.add("coroutine in " + co.context() + " alive after its body returned");
        }
        if (failure != null) {
            outcome.completeExceptionally(failure);
        } else {
            outcome.complete(result);
        }
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    // ---- checks ----

    private void checkLength(StressSlot slot, long length, String how) {
        if (length != slot.length) {
            fail(slot.describe() + ": " + how + " = " + length + ", expected " + slot.length);
        }
    }

    private void fail(String why) {
        failures.add(why);
        if (failures.size() <= 3) {
            System.err.println("stress: failure: " + why);
        }
        if (failures.size() >= MAX_FAILURES) {
            stopping = true;
        }
    }

    /** After the workers: everything closed, nothing counted, nothing left running. */
    private void finish(Set<String> threadsBefore) throws Exception {
        stopping = true;
        for (StressSlot slot : slots) {
            lastProgress.set(System.nanoTime());
            if (slot.isOpen()) {
                try {
                    close(slot);
                } catch (BlockException e) {
                    fail("closing " + slot.describe() + " at the end: " + e.describe());
                }
            }
        }
        List<NodeInfo> left = graph.nodes();
        if (!left.isEmpty()) {
            fail("nodes left in the graph: " + left.stream().map(NodeInfo::node).toList());
        }
        // A barrier through every context, so the termination checks queued there have run.
        for (EventLoop ctx : scheduler.contexts()) {
            CompletableFuture<Void> barrier = new CompletableFuture<>();
            ctx.schedule(() -> barrier.complete(null));
            barrier.get(30, TimeUnit.SECONDS);
        }
        long readers = lock.readerCount();
        if (readers != 0 || lock.hasWriter()) {
            fail("graph lock when idle: reader count " + readers + ", hasWriter " + lock.hasWriter());
        }
        if (Coroutine.created() != Coroutine.ended() || Coroutine.created() < coroutinesCreated.sum()) {
            fail("coroutines of the whole process (co-wrappers', drains' and the run's own): created "
                    + Coroutine.created() + ", ended " + Coroutine.ended());
        }
        if (coroutinesCreated.sum() != coroutinesTerminated.sum() || !coroutinesNotTerminated.isEmpty()) {
            fail("coroutines created " + coroutinesCreated.sum() + ", seen terminated " + coroutinesTerminated.sum()
                    + coroutinesNotTerminated.stream().limit(3).toList());
        }
        if (mutexCounter != mutexOps.sum() || mutex.isLocked()) {
            fail("CoMutex: counter " + mutexCounter + " after " + mutexOps.sum() + " increments, locked "
                    + mutex.isLocked());
        }
        if (export != null) {
            export.close();
        }
        for (StressMedium m : media) {
            try {
                m.close();
            } catch (IOException e) {
                fail("giving back " + m + ": " + e.getMessage());
            }
        }
        for (EventLoop io : iothreads) {
            mover.destroyIothread(io);
        }
        readers = lock.readerCount();
        if (readers != 0) {
            fail("graph reader count after the iothreads stopped: " + readers);
        }
        scheduler.close();
        lastProgress.set(System.nanoTime());
        Set<String> leaked = Set.of();
        for (long give = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); System.nanoTime() < give; ) {
            leaked = new TreeSet<>(threadNames());
            leaked.removeAll(threadsBefore);
            leaked.removeIf(n -> JVM_THREADS.matcher(n).matches());
            if (leaked.isEmpty()) {
                break;
            }
            Thread.sleep(200);
        }
        if (!leaked.isEmpty()) {
            fail("threads still alive after the scheduler closed: " + leaked);
        }
        StressFds fdsAfter = StressFds.census(dir);
        System.err.println("stress: file descriptors before the run " + fdsBefore + ", after " + fdsAfter);
        Map<String, String> grown = fdsAfter.grownSince(fdsBefore);
        if (!grown.isEmpty()) {
            fail("file descriptors left open after the scheduler closed (kind: before -> after): " + grown);
        }
        try (var files = Files.list(dir)) {
            List<Path> rest = files.toList();
            if (!rest.isEmpty()) {
                fail("temp files left: " + rest);
            }
            for (Path p : rest) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
        System.err.println("stress: coroutines created by the run " + coroutinesCreated.sum() + ", terminated "
                + coroutinesTerminated.sum() + "; by the whole process (co-wrappers' and drains' too) "
                + Coroutine.created() + ", ended " + Coroutine.ended());
    }

    /**
     * Every operation of the menu counts: each ran at least {@value #MIN_PER_SECOND} times per second of the run
     * asked for and per unit of its weight, and at most one pick in a hundred found no node to work on.
     */
    private void checkCounts() {
        for (Op op : menu.stream().distinct().toList()) {
            long minimum = (long) (minutes * 60 * MIN_PER_SECOND * op.weight);
            long n = done.get(op).sum();
            if (n < minimum) {
                fail("operation " + op.name().toLowerCase() + " ran " + n + " times, fewer than the " + minimum
                        + " a " + minutes + "-minute run must reach");
            }
        }
        // Each kind of medium in use: opened at least every 10 s, worked on at least once per second.
        for (String kind : kinds()) {
            long opens = opensByKind.getOrDefault(kind, new LongAdder()).sum();
            long ops = opsByKind.getOrDefault(kind, new LongAdder()).sum();
            if (opens < (long) (minutes * 6) || ops < (long) (minutes * 60)) {
                fail(kind + " slots: " + opens + " opens and " + ops + " operations, fewer than the "
                        + (long) (minutes * 6) + " and " + (long) (minutes * 60) + " a " + minutes
                        + "-minute run must reach");
            }
        }
        long picks = total() + skipped.sum();
        if (skipped.sum() * 100 > picks) {
            fail(skipped.sum() + " of " + picks + " picks found no node to work on (more than 1%)");
        }
    }

    /** How long the run has been going, in minutes with two decimals: less than asked when it stopped early. */
    private String elapsedMinutes() {
        return String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - started) / 60e9);
    }

    private long total() {
        return done.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private void report() {
        long open = java.util.Arrays.stream(slots).filter(StressSlot::isOpen).count();
        System.err.println("stress: ops " + total() + ", skipped " + skipped.sum() + ", failures " + failures.size()
                + ", open nodes " + open + " | " + counts());
    }

    /** An operation worked on {@code slot}'s node: counted for its medium's kind. */
    private void countKind(StressSlot slot) {
        opsByKind.computeIfAbsent(slot.medium.kind(), k -> new LongAdder()).increment();
    }

    /** The medium kinds of the run's slots, each once, in slot order. */
    private List<String> kinds() {
        return java.util.Arrays.stream(slots).map(slot -> slot.medium.kind()).distinct().toList();
    }

    /** Per medium kind: {@code host_device=OPENS/OPS nbd=OPENS/OPS file=OPENS/OPS}. */
    private String kindCounts() {
        return String.join(" ", kinds().stream().map(kind -> kind + "="
                + opensByKind.getOrDefault(kind, new LongAdder()).sum() + "/"
                + opsByKind.getOrDefault(kind, new LongAdder()).sum()).toList());
    }

    /** Per-operation counts: {@code open_close=N length_foreign=N ...}. */
    private String counts() {
        StringBuilder s = new StringBuilder();
        done.forEach((op, n) -> s.append(s.isEmpty() ? "" : " ").append(op.name().toLowerCase()).append('=')
                .append(n.sum()));
        return s.toString();
    }

    // ---- the end of a hung run ----

    /** What the watchdog prints before it halts the JVM. */
    private void hung(long seconds) {
        report();
        StringBuilder readers = new StringBuilder();
        for (EventLoop ctx : scheduler.contexts()) {
            readers.append(' ').append(ctx.name()).append('=').append(ctx.graphReaders().get());
        }
        System.err.println("stress: graph lock when hung: readers" + readers + ", hasWriter " + lock.hasWriter());
        doing.forEach((worker, what) -> System.err.println("stress: " + worker + " was at: " + what));
        failures.forEach(f -> System.err.println("  earlier failure: " + f));
        System.out.println("counts " + counts());
        System.out.println("figure stress.ops " + total() + " ops");
        System.out.println("figure stress.minutes " + elapsedMinutes() + " min");
        System.out.println("stress: FAILED hang: no operation completed for " + seconds + " s (thread dump on stderr)");
        System.out.flush();
        deleteTempFiles();
    }

    /**
     * Best effort, for a run that ends without closing its nodes: unlinking an open file is fine on Linux. The loop
     * devices and qemu-nbd processes go first: neither would go with this JVM.
     */
    private void deleteTempFiles() {
        for (StressMedium m : media) {
            try {
                m.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("stress: could not give back " + m + ": " + e.getMessage());
            }
        }
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException | RuntimeException e) {
            System.err.println("stress: could not delete " + dir + ": " + e);
        }
    }

    private static Set<String> threadNames() {
        Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            names.add(t.getName());
        }
        return names;
    }

    private static String stack(Throwable t) {
        StringWriter s = new StringWriter();
        t.printStackTrace(new PrintWriter(s));
        return s.toString().lines().limit(25).reduce("", (a, b) -> a + "    " + b + "\n");
    }
}
