package org.blocklayer.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.CRC32;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

/**
 * The file and nbd drivers swapped under load (X1, X2): 16 threads write and read back their own regions, 8 of a
 * raw-over-file node and 8 of a raw-over-nbd node served by a real {@code qemu-nbd}, while 200 cycles stop and start
 * the file driver bundle and the nbd driver bundle in turn, 100 times each (every 10th swap of a driver updates it in
 * place instead, a live upgrade). Every request succeeds or fails ENOMEDIUM, no acknowledged write is lost (through
 * the nodes, and in both image files), the NBD node reconnects on every reattach, nothing hangs or leaks (threads,
 * fds: sockets too), and the pause a request sees across a swap is measured per node. A second test lets the driver
 * stay away longer than detach-timeout.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DriverSwapIT extends TestSupport {

    /** The nbd driver's jar, passed by failsafe like the others (TestSupport's list holds the container's). */
    private static final String NBD_DRIVER = "blocklayer.bundle.nbd";

    private static final int WORKERS = 16;
    /** Workers 0..7 write the file node, 8..15 the NBD node; each owns one region of its node. */
    private static final int FILE_WORKERS = WORKERS / 2;
    private static final int NBD_WORKERS = WORKERS - FILE_WORKERS;
    private static final int REGION = 4 << 20;
    private static final int BLOCK = 64 << 10;
    private static final int BLOCKS_PER_REGION = REGION / BLOCK;
    private static final long DISK_SIZE = (long) FILE_WORKERS * REGION;
    private static final long NBD_DISK_SIZE = (long) NBD_WORKERS * REGION;
    /**
     * Cycles alternate between the drivers: even cycles swap the file driver, odd ones the nbd driver, so each goes
     * away and comes back SWAPS_PER_DRIVER (100) times. (Both drivers in every cycle took 239 s in Felix on a loaded
     * 2-core machine, about 0.5 s a swap: too long for the suite; see the window figures.)
     */
    private static final int CYCLES = 200;
    private static final int SWAPS_PER_DRIVER = CYCLES / 2;
    /**
     * Every UPDATE_EVERY-th swap of a driver is a {@code Bundle.update()} with a rebuilt jar of a new version (the
     * running one's next micro: 2.0.1, 2.0.2... after 2.0.0.SNAPSHOT) instead of stop/start: a live driver upgrade.
     */
    private static final int UPDATE_EVERY = 10;

    /** Bound on any one bundle operation, and on the driver coming back after it. */
    private static final long BUNDLE_OP_TIMEOUT_MS = 15_000;
    /** Bound on every worker completing a request between two cycles (a starving worker fails the test). */
    private static final long PROGRESS_TIMEOUT_MS = 15_000;
    private static final long JOIN_TIMEOUT_MS = 20_000;
    /** WorkerPool's keep-alive is 10 s: idle blocklayer-worker threads are gone a little after that. */
    private static final long POOL_SHRINK_TIMEOUT_MS = 20_000;
    /**
     * Threads that may appear in the JVM over the test that are neither blocklayer's nor ours: the JDK starts some
     * lazily (a ForkJoinPool common-pool worker for a CompletableFuture, an attach or signal thread), and Felix may
     * start a dispatcher on demand. None of them grows with the number of cycles, so a leak per cycle (100 cycles)
     * stands far above this. blocklayer's own threads are compared by name, with no tolerance.
     */
    private static final int OTHER_THREAD_TOLERANCE = 3;
    /**
     * Open files may differ by a couple at the end: a bundle update opens the new revision's jar and Felix closes the
     * old revision's lazily. A leak per cycle (an image fd per reopen: 100) stands far above this.
     */
    private static final int FD_TOLERANCE = 3;

    /** The backends a test opened, closed before their nodes. */
    private final List<BlockBackend> disks = new ArrayList<>();

    @Override
    protected boolean deployFileDriverAtStart() {
        return false;
    }

    // X1, X2
    @Test
    public void sixteenWritersSurviveAHundredDriverSwaps_X1_X2() throws Exception {
        Bundle fileDriver = installFileDriver();
        Bundle nbdDriver = installDriver(NBD_DRIVER, "nbd");
        Path image = sparseImage("swap.raw", DISK_SIZE);
        Path nbdImage = sparseImage("swap-nbd.raw", NBD_DISK_SIZE);
        QemuNbd server = null;
        ExecutorService bundleOps = Executors.newSingleThreadExecutor(r -> new Thread(r, "driverswap-bundle-ops"));
        Worker[] workers = new Worker[WORKERS];
        try {
            server = QemuNbd.start(scratch, nbdImage);
            BlockBackend disk = openDisk(image.toString(), "disk");
            String fileChild = graph.info("disk").fileChild();
            BlockBackend nbdDisk = openDisk(server.uri(), "nbddisk");
            String nbdChild = graph.info("nbddisk").fileChild();
            assertEquals("nbd", graph.info(nbdChild).driver());
            assertEquals(DISK_SIZE, disk.getLength());
            assertEquals(NBD_DISK_SIZE, nbdDisk.getLength());
            assertEquals(Duration.ofSeconds(30), graph.detachTimeout());
            // Warm up (classes loaded, worker pool grown) before taking the baselines.
            ioWarmUp(disk);
            ioWarmUp(nbdDisk);
            Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
            List<String> blocklayerBefore = blocklayerThreadNames(threadsBefore);
            long poolBefore = poolThreads(threadsBefore);
            int fdsBefore = openFds();
            int socketsBefore = openSockets();

            for (int w = 0; w < WORKERS; w++) {
                workers[w] = w < FILE_WORKERS ? new Worker(w, disk, (long) w * REGION)
                        : new Worker(w, nbdDisk, (long) (w - FILE_WORKERS) * REGION);
                workers[w].start();
            }
            Worker[] fileWorkers = Arrays.copyOfRange(workers, 0, FILE_WORKERS);
            Worker[] nbdWorkers = Arrays.copyOfRange(workers, FILE_WORKERS, WORKERS);

            // A stretch without swaps, for comparison.
            long baselineStart = System.nanoTime();
            Thread.sleep(1_000);
            long baselineEnd = System.nanoTime();

            // Per swap of each driver, its window: from the first bundle operation until its node is back; and the
            // parts of it: the stop (or update) call, the start call, the wait for the node to show its driver.
            long[][] windowStart = new long[2][SWAPS_PER_DRIVER];
            long[][] windowEnd = new long[2][SWAPS_PER_DRIVER];
            long[][] stopTook = new long[2][SWAPS_PER_DRIVER];
            long[][] startTook = new long[2][SWAPS_PER_DRIVER];
            long[][] backTook = new long[2][SWAPS_PER_DRIVER];
            Bundle[] bundles = {fileDriver, nbdDriver};
            String[] property = {FILE_DRIVER, NBD_DRIVER};
            String[] driverName = {"file", "nbd"};
            String[] child = {fileChild, nbdChild};
            long totalStart = System.nanoTime();
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                int d = cycle % 2;
                int k = cycle / 2;
                boolean update = k % UPDATE_EVERY == UPDATE_EVERY - 1;
                String upgradedTo = update ? nextMicro(bundles[d].getVersion()) : null;
                awaitProgress(workers, cycle);
                Thread.sleep(10);
                Bundle bundle = bundles[d];
                String name = driverName[d];
                Path jar = update ? rebuiltDriver(property[d], upgradedTo) : null;
                long t0 = System.nanoTime();
                windowStart[d][k] = t0;
                if (update) {
                    bounded(bundleOps, name + " update #" + cycle + " to " + upgradedTo, () -> {
                        try (InputStream in = Files.newInputStream(jar)) {
                            bundle.update(in);
                        }
                    });
                } else {
                    bounded(bundleOps, name + " stop #" + cycle, bundle::stop);
                }
                long t1 = System.nanoTime();
                if (!update) {
                    bounded(bundleOps, name + " start #" + cycle, bundle::start);
                }
                long t2 = System.nanoTime();
                String node = child[d];
                assertTrue("cycle " + cycle + ": node " + node + " has its driver " + name + " back within "
                        + BUNDLE_OP_TIMEOUT_MS + " ms\n" + nodesNow(),
                        await(() -> driverBack(node, name), BUNDLE_OP_TIMEOUT_MS));
                windowEnd[d][k] = System.nanoTime();
                stopTook[d][k] = t1 - t0;
                startTook[d][k] = t2 - t1;
                backTook[d][k] = windowEnd[d][k] - t2;
                if (update) {
                    assertEquals("cycle " + cycle + ": the " + name + " bundle runs the rebuilt jar", upgradedTo,
                            bundle.getVersion().toString());
                    assertEquals("cycle " + cycle + ": block:drivers shows the new " + name + " version",
                            upgradedTo, graph.drivers().stream().filter(i -> i.name().equals(name))
                                    .findFirst().orElseThrow().version());
                    assertEquals("cycle " + cycle + ": node " + node + " runs on the new " + name + " version",
                            upgradedTo, graph.info(node).driverVersion());
                }
            }
            long totalMillis = (System.nanoTime() - totalStart) / 1_000_000;
            awaitProgress(workers, CYCLES);

            // Stop the workers; every join is bounded.
            for (Worker w : workers) {
                w.running = false;
            }
            for (Worker w : workers) {
                w.join(JOIN_TIMEOUT_MS);
                if (w.isAlive()) {
                    fail("worker " + w.id + " did not stop within " + JOIN_TIMEOUT_MS + " ms\n" + threadDump());
                }
            }
            List<String> failures = new ArrayList<>();
            for (Worker w : workers) {
                failures.addAll(w.failures);
            }
            assertEquals("every request succeeds or fails ENOMEDIUM, every read-back matches the last acknowledged"
                    + " write", List.of(), failures);

            long requests = 0;
            long enomedium = 0;
            for (Worker w : workers) {
                requests += w.requests;
                enomedium += w.enomediumWrites + w.enomediumReads;
            }
            // The figures, per node: per cycle, the longest request of that node's workers overlapping its swap.
            int fileIdle = figures("driverswap", fileWorkers, windowStart[0], windowEnd[0], baselineStart,
                    baselineEnd);
            int nbdIdle = figures("driverswap.nbd", nbdWorkers, windowStart[1], windowEnd[1], baselineStart,
                    baselineEnd);
            System.out.printf("driverswap: %d cycles alternating file and nbd (%d swaps each, %d of them updates)"
                    + " in %d ms; %d requests (file node %d, NBD node %d), %d ENOMEDIUM; swaps with no request in"
                    + " the window: file %d, nbd %d%n", CYCLES, SWAPS_PER_DRIVER, SWAPS_PER_DRIVER / UPDATE_EVERY,
                    totalMillis, requests, requestCount(fileWorkers), requestCount(nbdWorkers), enomedium, fileIdle,
                    nbdIdle);
            for (int d = 0; d < 2; d++) {
                System.out.printf("driverswap: %s window parts, median/worst ms: stop or update %.1f/%.1f, start"
                        + " %.1f/%.1f, until the node shows its driver %.1f/%.1f%n", driverName[d],
                        millis(medianOf(stopTook[d])), millis(worstOf(stopTook[d])), millis(medianOf(startTook[d])),
                        millis(worstOf(startTook[d])), millis(medianOf(backTook[d])), millis(worstOf(backTook[d])));
            }
            // Why a pause can exceed its window: how many later requests the slowest one let pass (see the report).
            long slowest = 0;
            long slowestStart = 0;
            long slowestEnd = 0;
            for (Worker w : workers) {
                for (int i = 0; i < w.requests; i++) {
                    if (w.ends[i] - w.starts[i] > slowest) {
                        slowest = w.ends[i] - w.starts[i];
                        slowestStart = w.starts[i];
                        slowestEnd = w.ends[i];
                    }
                }
            }
            long overtakers = 0;
            for (Worker w : workers) {
                for (int i = 0; i < w.requests; i++) {
                    if (w.starts[i] > slowestStart && w.ends[i] < slowestEnd) {
                        overtakers++;
                    }
                }
            }
            System.out.printf("driverswap: slowest request %.1f ms; %d requests started after it and finished"
                    + " before it%n", millis(slowest), overtakers);
            assertTrue("requests on the file node were in flight across most file swaps",
                    fileIdle < SWAPS_PER_DRIVER / 2);
            assertTrue("requests on the NBD node were in flight across most nbd swaps",
                    nbdIdle < SWAPS_PER_DRIVER / 2);

            // Every region reads back as last acknowledged through its node, and in the file node's image.
            disk.flush();
            nbdDisk.flush();
            verifyThroughNode(fileWorkers, disk);
            verifyThroughNode(nbdWorkers, nbdDisk);
            verifyImage(fileWorkers, image, "the image file");

            // The nodes are back on their drivers, and the graph shows no trace of the swaps.
            for (String[] n : new String[][] {{"disk", "raw"}, {fileChild, "file"}, {"nbddisk", "raw"},
                    {nbdChild, "nbd"}}) {
                NodeInfo info = findNode(n[0]);
                assertNotNull(n[0] + " is still in the graph", info);
                assertEquals(n[0], n[1], info.driver());
                assertNull(n[0], info.goneDriver());
            }
            assertEquals(DISK_SIZE, findNode(fileChild).length());
            assertEquals(NBD_DISK_SIZE, findNode(nbdChild).length());
            assertEquals("the graph holds the two disks and their protocol children only", 4, graph.nodes().size());

            // No leaks: threads (once the worker pool has shrunk back) and file descriptors, sockets among them
            // (every reattach of the NBD node opened a new connection: 100 of them, the old one closed each time).
            bundleOps.shutdown();
            assertTrue(bundleOps.awaitTermination(5, TimeUnit.SECONDS));
            assertTrue("blocklayer's worker pool shrinks back to " + poolBefore + " threads within "
                    + POOL_SHRINK_TIMEOUT_MS + " ms", await(() -> poolThreads(Thread.getAllStackTraces().keySet())
                    <= poolBefore, POOL_SHRINK_TIMEOUT_MS));
            Set<Thread> threadsAfter = Thread.getAllStackTraces().keySet();
            assertEquals("blocklayer's own threads (the worker pool aside)", blocklayerBefore,
                    blocklayerThreadNames(threadsAfter));
            List<String> newThreads = threadsAfter.stream()
                    .filter(t -> !threadsBefore.contains(t) && !t.getName().startsWith("blocklayer-worker-"))
                    .map(Thread::getName).sorted().toList();
            System.out.printf("driverswap: threads %d before, %d after; new: %s%n", threadsBefore.size(),
                    threadsAfter.size(), newThreads);
            assertTrue("no more than " + OTHER_THREAD_TOLERANCE + " new threads: " + newThreads,
                    newThreads.size() <= OTHER_THREAD_TOLERANCE);
            int fdsAfter = openFds();
            int socketsAfter = openSockets();
            System.out.printf("driverswap: open fds %d before, %d after; sockets %d before, %d after%n", fdsBefore,
                    fdsAfter, socketsBefore, socketsAfter);
            assertTrue("open fds " + fdsAfter + " within " + FD_TOLERANCE + " of " + fdsBefore,
                    fdsAfter <= fdsBefore + FD_TOLERANCE);
            assertTrue("open sockets " + socketsAfter + " no more than the " + socketsBefore + " before (one NBD"
                    + " connection each time)", socketsAfter <= socketsBefore);

            // Closed (NBD_CMD_DISC after the flush), the NBD node leaves in qemu-nbd's image exactly what it
            // acknowledged.
            nbdDisk.close();
            graph.close("nbddisk");
            verifyImage(nbdWorkers, nbdImage, "qemu-nbd's image file");
        } finally {
            for (Worker w : workers) {
                if (w != null) {
                    w.running = false;
                }
            }
            for (Worker w : workers) {
                if (w != null) {
                    w.join(JOIN_TIMEOUT_MS);
                }
            }
            bundleOps.shutdownNow();
            try {
                cleanUp(fileDriver, nbdDriver);
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }
    }

    /**
     * Prints the pause figures of one node's workers ({@code prefix.pause.median} ...) over its swap windows;
     * returns how many cycles had no request of these workers in the window.
     */
    private static int figures(String prefix, Worker[] workers, long[] windowStart, long[] windowEnd,
            long baselineStart, long baselineEnd) {
        int swaps = windowStart.length;
        long[] pauses = new long[swaps];
        int[] overlapping = new int[swaps];
        long[] windows = new long[swaps];
        for (int c = 0; c < swaps; c++) {
            windows[c] = windowEnd[c] - windowStart[c];
            for (Worker w : workers) {
                for (int i = 0; i < w.requests; i++) {
                    if (w.starts[i] < windowEnd[c] && w.ends[i] > windowStart[c]) {
                        pauses[c] = Math.max(pauses[c], w.ends[i] - w.starts[i]);
                        overlapping[c]++;
                    }
                }
            }
        }
        long baselineWorst = 0;
        for (Worker w : workers) {
            for (int i = 0; i < w.requests; i++) {
                if (w.starts[i] >= baselineStart && w.ends[i] <= baselineEnd) {
                    baselineWorst = Math.max(baselineWorst, w.ends[i] - w.starts[i]);
                }
            }
        }
        // The live upgrades alone (Bundle.update to a rebuilt jar of a new version): every UPDATE_EVERY-th swap.
        long[] upgrades = java.util.stream.IntStream.range(0, swaps).filter(k -> k % UPDATE_EVERY == UPDATE_EVERY - 1)
                .mapToLong(k -> pauses[k]).sorted().toArray();
        Arrays.sort(pauses);
        Arrays.sort(windows);
        if (upgrades.length > 0) {
            System.out.printf("figure %s.upgrade.pause.median %.1f ms%n", prefix, millis(median(upgrades)));
            System.out.printf("figure %s.upgrade.pause.worst %.1f ms%n", prefix, millis(upgrades[upgrades.length - 1]));
        }
        System.out.printf("figure %s.pause.median %.1f ms%n", prefix, millis(median(pauses)));
        System.out.printf("figure %s.pause.worst %.1f ms%n", prefix, millis(pauses[swaps - 1]));
        System.out.printf("figure %s.window.median %.1f ms%n", prefix, millis(median(windows)));
        System.out.printf("figure %s.window.worst %.1f ms%n", prefix, millis(windows[swaps - 1]));
        System.out.printf("figure %s.baseline.worst %.1f ms%n", prefix, millis(baselineWorst));
        return (int) Arrays.stream(overlapping).filter(n -> n == 0).count();
    }

    private static long requestCount(Worker[] workers) {
        long n = 0;
        for (Worker w : workers) {
            n += w.requests;
        }
        return n;
    }

    // X1, X2
    @Test
    public void ioFailsEnomediumAfterDetachTimeoutAndWorksWhenTheDriverIsBack_X1_X2() throws Exception {
        Bundle fileDriver = installFileDriver();
        Duration saved = graph.detachTimeout();
        Path image = sparseImage("timeout.raw", 1 << 20);
        BlockBackend disk = openDisk(image.toString(), "disk");
        String fileChild = graph.info("disk").fileChild();
        try {
            ByteBuffer written = pattern(BLOCK, 1, 7, 4096);
            disk.pwrite(4096, written.duplicate());
            graph.setDetachTimeout(Duration.ofMillis(500));
            assertEquals(Duration.ofMillis(500), graph.detachTimeout());

            fileDriver.stop();
            NodeInfo gone = graph.info(fileChild);
            assertNull("the file child has no medium", gone.driver());
            assertEquals("file", gone.goneDriver());
            assertEquals("raw", graph.info("disk").driver());

            long t0 = System.nanoTime();
            BlockException e = expectBlockException(() -> disk.pread(4096, ByteBuffer.allocate(BLOCK)));
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("figure driverswap.timeout.enomedium %d ms%n", elapsedMs);
            assertEquals(e.describe(), Errno.ENOMEDIUM, e.errno());
            assertTrue(e.getMessage(), e.getMessage().contains("'file' gone"));
            assertTrue("waited the detach timeout (500 ms) before failing, not " + elapsedMs + " ms",
                    elapsedMs >= 450);
            // A hang guard well below the 30 s default detach timeout, generous for a loaded CI machine.
            assertTrue("failed within a bounded time after the 500 ms timeout, not " + elapsedMs + " ms",
                    elapsedMs < 10_000);
            assertEquals("still gone after the timeout", "file", graph.info(fileChild).goneDriver());

            fileDriver.start();
            assertTrue(await(() -> driverBack(fileChild), BUNDLE_OP_TIMEOUT_MS));
            ByteBuffer back = ByteBuffer.allocate(BLOCK);
            disk.pread(4096, back);
            assertTrue("the data written before the swap is there", Arrays.equals(written.array(), back.array()));
            assertNull(graph.info(fileChild).goneDriver());
        } finally {
            graph.setDetachTimeout(saved);
            cleanUp(fileDriver);
        }
    }

    // X2
    @Test
    public void requestInTheGapWaitsAndSucceedsWhenTheDriverComesBack_X2() throws Exception {
        Bundle fileDriver = installFileDriver();
        Path image = sparseImage("gap.raw", 1 << 20);
        BlockBackend disk = openDisk(image.toString(), "disk");
        String fileChild = graph.info("disk").fileChild();
        ExecutorService io = Executors.newSingleThreadExecutor(r -> new Thread(r, "driverswap-gap-io"));
        try {
            ByteBuffer written = pattern(BLOCK, 2, 9, 0);
            fileDriver.stop();
            long t0 = System.nanoTime();
            Future<Long> write = io.submit(() -> {
                disk.pwrite(0, written.duplicate());
                return System.nanoTime();
            });
            Thread.sleep(300);
            assertTrue("the write waits for the driver", !write.isDone());
            fileDriver.start();
            long done = write.get(BUNDLE_OP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            long waitedMs = (done - t0) / 1_000_000;
            System.out.printf("figure driverswap.gap.wait %d ms%n", waitedMs);
            assertTrue("waited while the driver was away: " + waitedMs + " ms", waitedMs >= 300);
            assertTrue(driverBack(fileChild));
            ByteBuffer back = ByteBuffer.allocate(BLOCK);
            disk.pread(0, back);
            assertTrue("the write made in the gap is there", Arrays.equals(written.array(), back.array()));
        } finally {
            io.shutdownNow();
            assertTrue(io.awaitTermination(5, TimeUnit.SECONDS));
            cleanUp(fileDriver);
        }
    }

    // ---- the workers ----

    /** One "coroutine" of the issue: owns one region and writes, then reads back, one 64 KiB block at a time. */
    private static final class Worker extends Thread {
        final int id;
        final BlockBackend disk;
        final long regionStart;
        /** Per block: the sequence number of the last acknowledged write, 0 while never written (zeros). */
        final long[] acked = new long[BLOCKS_PER_REGION];
        final List<String> failures = new ArrayList<>();
        volatile boolean running = true;
        /** Requests completed, published to the test thread. */
        final AtomicLong completed = new AtomicLong();
        long[] starts = new long[1 << 14];
        long[] ends = new long[1 << 14];
        int requests;
        long enomediumWrites;
        long enomediumReads;

        Worker(int id, BlockBackend disk, long regionStart) {
            super("driverswap-worker-" + id);
            this.id = id;
            this.disk = disk;
            this.regionStart = regionStart;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seq = 0;
            ByteBuffer read = ByteBuffer.allocate(BLOCK);
            try {
                while (running && failures.size() < 5) {
                    int block = (int) (seq % BLOCKS_PER_REGION);
                    long offset = regionStart + (long) block * BLOCK;
                    seq++;
                    ByteBuffer data = pattern(BLOCK, id, seq, offset);
                    if (request(() -> disk.pwrite(offset, data), "write", offset)) {
                        acked[block] = seq;
                    } else {
                        enomediumWrites++;
                    }
                    read.clear();
                    if (request(() -> disk.pread(offset, read), "read", offset)) {
                        ByteBuffer expected = pattern(BLOCK, id, acked[block], offset);
                        if (!Arrays.equals(read.array(), expected.array())) {
                            failures.add("worker " + id + ": block at " + offset + " reads back "
                                    + describe(read) + ", expected seq " + acked[block]);
                        }
                    } else {
                        enomediumReads++;
                    }
                }
            } catch (Throwable t) {
                failures.add("worker " + id + " died: " + t);
            }
        }

        interface Io {
            void run() throws BlockException;
        }

        /** Runs and times one request: true when it succeeded, false on ENOMEDIUM; anything else is a failure. */
        private boolean request(Io io, String what, long offset) {
            long start = System.nanoTime();
            boolean ok;
            try {
                io.run();
                ok = true;
            } catch (BlockException e) {
                if (e.errno() != Errno.ENOMEDIUM) {
                    failures.add("worker " + id + ": " + what + " at " + offset + " failed: " + e.describe());
                }
                ok = false;
            } catch (RuntimeException e) {
                failures.add("worker " + id + ": " + what + " at " + offset + " threw " + e);
                ok = false;
            }
            record(start, System.nanoTime());
            return ok;
        }

        private void record(long start, long end) {
            if (requests == starts.length) {
                starts = Arrays.copyOf(starts, requests * 2);
                ends = Arrays.copyOf(ends, requests * 2);
            }
            starts[requests] = start;
            ends[requests] = end;
            requests++;
            completed.incrementAndGet();
        }
    }

    /**
     * The block written by worker {@code worker} in its write number {@code seq} at {@code offset}: a header (seq,
     * offset) and a pseudo-random body drawn from them, so a stale or misplaced block never passes; seq 0 is zeros.
     */
    static ByteBuffer pattern(int size, long worker, long seq, long offset) {
        ByteBuffer b = ByteBuffer.allocate(size);
        if (seq == 0) {
            return b;
        }
        b.putLong(seq).putLong(offset);
        long x = seq * 0x9E3779B97F4A7C15L ^ offset * 0xC2B2AE3D27D4EB4FL ^ worker;
        while (b.hasRemaining()) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.putLong(x);
        }
        return b.flip();
    }

    private static String describe(ByteBuffer b) {
        ByteBuffer d = ByteBuffer.wrap(b.array());
        return "seq " + d.getLong() + " offset " + d.getLong();
    }

    private void ioWarmUp(BlockBackend disk) throws BlockException {
        ByteBuffer zeros = ByteBuffer.allocate(BLOCK);
        for (int i = 0; i < 8; i++) {
            zeros.clear();
            disk.pread((long) i * BLOCK, zeros);
        }
    }

    /** Waits until every worker completed a request since the last call: requests are flowing before each swap. */
    private static void awaitProgress(Worker[] workers, int cycle) throws InterruptedException {
        long[] seen = new long[workers.length];
        for (int i = 0; i < workers.length; i++) {
            seen[i] = workers[i].completed.get();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROGRESS_TIMEOUT_MS);
        for (int i = 0; i < workers.length; i++) {
            while (workers[i].completed.get() == seen[i]) {
                if (!workers[i].isAlive()) {
                    fail("worker " + i + " died before cycle " + cycle + ": " + workers[i].failures);
                }
                if (System.nanoTime() - deadline > 0) {
                    fail("before cycle " + cycle + ": worker " + i + " completed no request within "
                            + PROGRESS_TIMEOUT_MS + " ms\n" + threadDump());
                }
                Thread.sleep(1);
            }
        }
    }

    /** Every block of the workers' regions, read through {@code node}, as last acknowledged (CRC32 per region). */
    private static void verifyThroughNode(Worker[] workers, BlockBackend node) throws Exception {
        verifyRegions(workers, "through the node", (offset, read) -> {
            node.pread(offset, read);
            return ByteBuffer.wrap(read.array());
        });
    }

    /** Every block of the workers' regions, straight from the image file, as last acknowledged. */
    private static void verifyImage(Worker[] workers, Path image, String what) throws Exception {
        try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ)) {
            verifyRegions(workers, "in " + what, (offset, read) -> {
                while (read.hasRemaining()) {
                    if (file.read(read, offset + read.position()) < 0) {
                        break;
                    }
                }
                return read.flip();
            });
        }
    }

    /** Reads the block at {@code offset} into {@code buffer} (cleared) and returns the bytes to checksum. */
    private interface BlockSource {
        ByteBuffer read(long offset, ByteBuffer buffer) throws Exception;
    }

    /** Per worker, the CRC32 of its region as {@code source} reads it against that of its last acknowledged writes. */
    private static void verifyRegions(Worker[] workers, String where, BlockSource source) throws Exception {
        ByteBuffer read = ByteBuffer.allocate(BLOCK);
        for (Worker w : workers) {
            CRC32 expectedSum = new CRC32();
            CRC32 actualSum = new CRC32();
            for (int block = 0; block < BLOCKS_PER_REGION; block++) {
                long offset = w.regionStart + (long) block * BLOCK;
                expectedSum.update(pattern(BLOCK, w.id, w.acked[block], offset));
                read.clear();
                actualSum.update(source.read(offset, read));
            }
            assertEquals("worker " + w.id + "'s region " + where, expectedSum.getValue(), actualSum.getValue());
        }
    }

    // ---- helpers ----

    interface BundleOp {
        void run() throws Exception;
    }

    /** Runs a bundle operation in another thread and waits for it at most BUNDLE_OP_TIMEOUT_MS. */
    private static void bounded(ExecutorService executor, String what, BundleOp op) throws Exception {
        Future<?> f = executor.submit(() -> {
            op.run();
            return null;
        });
        try {
            f.get(BUNDLE_OP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            fail(what + " did not return within " + BUNDLE_OP_TIMEOUT_MS + " ms\n" + threadDump());
        }
    }

    /** The version a live upgrade goes to: above the running one, whatever release the project is at. */
    private static String nextMicro(Version running) {
        return new Version(running.getMajor(), running.getMinor(), running.getMicro() + 1).toString();
    }

    /**
     * A driver's jar (by its system property) rebuilt with another Bundle-Version, as a new release of the driver
     * would be: same classes, new version, so that an update to it is an upgrade the framework and the graph can
     * tell apart.
     */
    private Path rebuiltDriver(String property, String version) throws IOException {
        Path original = Path.of(reactorJar(property));
        Path out = scratch.resolve(original.getFileName().toString().replace(".jar", "") + "-" + version + ".jar");
        try (JarInputStream in = new JarInputStream(Files.newInputStream(original))) {
            Manifest manifest = in.getManifest();
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out), manifest)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    jar.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(jar);
                    jar.closeEntry();
                }
            }
        }
        return out;
    }

    private Bundle installFileDriver() throws Exception {
        return installDriver(FILE_DRIVER, "file");
    }

    /** Installs and starts the driver bundle in {@code property}'s jar; returns once the graph lists {@code name}. */
    private Bundle installDriver(String property, String name) throws Exception {
        Bundle b = bundleContext.installBundle("reference:file:" + reactorJar(property));
        b.start();
        assertTrue(await(() -> graph.drivers().stream().anyMatch(d -> d.name().equals(name)), 5_000));
        return b;
    }

    /**
     * Opens a raw node named {@code name} over {@code filename} and a backend on it that reads and writes, sharing
     * everything: the workers' way into the node, as a guest's disk is a BlockBackend in QEMU.
     */
    private BlockBackend openDisk(String filename, String name) throws BlockException {
        graph.open(filename, new BlockOptions().put("node-name", name), OpenFlags.RDWR);
        BlockBackend blk = backends.attach(name, "", EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                EnumSet.allOf(Permission.class));
        disks.add(blk);
        return blk;
    }

    /** Closes what a test opened and removes the drivers it installed, so the next test starts from the same place. */
    private void cleanUp(Bundle... drivers) throws Exception {
        disks.forEach(BlockBackend::close);
        disks.clear();
        for (NodeInfo n : graph.nodes()) {
            if (n.node().equals("disk") || n.node().equals("nbddisk")) {
                graph.close(n.node());
            }
        }
        for (Bundle b : drivers) {
            b.uninstall();
        }
        assertEquals(List.of(), graph.nodes());
    }

    private boolean driverBack(String node) {
        return driverBack(node, "file");
    }

    private boolean driverBack(String node, String driver) {
        try {
            NodeInfo info = graph.info(node);
            return driver.equals(info.driver()) && info.goneDriver() == null;
        } catch (BlockException e) {
            return false;
        }
    }

    /** The graph's nodes as block:nodes would list them, for failure messages. */
    private String nodesNow() {
        StringBuilder sb = new StringBuilder("nodes:");
        for (NodeInfo n : graph.nodes()) {
            sb.append("\n  ").append(n.node()).append(" driver=").append(n.driver()).append(" gone=")
                    .append(n.goneDriver()).append(" length=").append(n.length());
        }
        return sb.toString();
    }

    private NodeInfo findNode(String name) {
        return graph.nodes().stream().filter(n -> n.node().equals(name)).findFirst().orElse(null);
    }

    private static List<String> blocklayerThreadNames(Set<Thread> threads) {
        return threads.stream().map(Thread::getName)
                .filter(n -> n.startsWith("blocklayer-") && !n.startsWith("blocklayer-worker-")).sorted().toList();
    }

    private static long poolThreads(Set<Thread> threads) {
        return threads.stream().filter(t -> t.getName().startsWith("blocklayer-worker-")).count();
    }

    private static int openFds() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    /** Open fds that are sockets ({@code socket:[inode]}): an NBD reconnect that leaked would show here. */
    private static int openSockets() throws IOException {
        int n = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        n++;
                    }
                } catch (IOException e) {
                    // Closed since the listing (the directory's own fd among them).
                }
            }
        }
        return n;
    }

    /**
     * A real NBD server: {@code qemu-nbd} serving a raw image on a unix socket in the scratch directory,
     * {@code --persistent} so the node can reconnect after every reattach, shared so a new connection is served
     * while the old one is still being torn down. Daemonized ({@code --fork}) and stopped by its PID.
     */
    static final class QemuNbd implements AutoCloseable {
        private final Path socket;
        private final long pid;

        private QemuNbd(Path socket, long pid) {
            this.socket = socket;
            this.pid = pid;
        }

        static QemuNbd start(Path dir, Path image) throws Exception {
            Path socket = dir.resolve("qemu-nbd.sock");
            Path pidFile = dir.resolve("qemu-nbd.pid");
            Path log = dir.resolve("qemu-nbd.log");
            List<String> cmd = List.of("qemu-nbd", "-f", "raw", "--persistent", "--shared=8", "-k",
                    socket.toString(), "--fork", "--pid-file=" + pidFile, image.toString());
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            } catch (IOException e) {
                fail("qemu-nbd is not installed (" + e.getMessage() + "): install qemu-utils, e.g. apt-get install"
                        + " qemu-utils (.ci/run does), to run the NBD half of the driver swap test");
                throw e;
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("qemu-nbd --fork did not return within 30 s: " + cmd);
            }
            String out = Files.exists(log) ? Files.readString(log) : "";
            assertEquals("qemu-nbd failed: " + cmd + "\n" + out, 0, p.exitValue());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(Files.exists(pidFile) && !Files.readString(pidFile).isBlank() && Files.exists(socket))) {
                if (System.nanoTime() - deadline > 0) {
                    fail("qemu-nbd wrote no pid file " + pidFile + " or socket " + socket + ": " + out);
                }
                Thread.sleep(10);
            }
            return new QemuNbd(socket, Long.parseLong(Files.readString(pidFile).trim()));
        }

        String uri() {
            return "nbd+unix:///?socket=" + socket;
        }

        /** SIGTERM by PID, SIGKILL if it is still there after 5 s. */
        @Override
        public void close() throws InterruptedException {
            var handle = ProcessHandle.of(pid);
            if (handle.isEmpty()) {
                return;
            }
            handle.get().destroy();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (running() && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            if (running()) {
                handle.get().destroyForcibly();
            }
        }

        /** A zombie counts as gone: qemu-nbd daemonized, so it is not our child and PID 1 reaps it. */
        private boolean running() {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                int close = stat.lastIndexOf(')');
                return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
            } catch (IOException e) {
                return false;
            }
        }
    }

    private static long medianOf(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return median(sorted);
    }

    private static long worstOf(long[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    private static long median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static String threadDump() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            String name = e.getKey().getName();
            if (!name.startsWith("blocklayer-") && !name.startsWith("driverswap-")) {
                continue;
            }
            sb.append('"').append(name).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("    at ").append(f).append('\n');
            }
        }
        return sb.toString();
    }

    interface BlockCall {
        void call() throws BlockException;
    }

    private static BlockException expectBlockException(BlockCall call) {
        try {
            call.call();
            fail("expected a BlockException");
            return null;
        } catch (BlockException e) {
            return e;
        }
    }
}
