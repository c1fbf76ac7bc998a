package org.blocklayer.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * The file driver swapped under load (X1, X2): 16 threads write and read back their own regions of a raw-over-file
 * node while the file driver bundle is stopped and started 100 times (and updated in place, a live upgrade). Every
 * request succeeds or fails ENOMEDIUM, no acknowledged write is lost, nothing hangs or leaks, and the pause a request
 * sees across a swap is measured. A second test lets the driver stay away longer than detach-timeout.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DriverSwapIT extends TestSupport {

    private static final int WORKERS = 16;
    private static final int REGION = 4 << 20;
    private static final int BLOCK = 64 << 10;
    private static final int BLOCKS_PER_REGION = REGION / BLOCK;
    private static final long DISK_SIZE = (long) WORKERS * REGION;
    private static final int CYCLES = 100;
    /** Every UPDATE_EVERY-th cycle is a {@code Bundle.update()} with the same jar instead of stop/start. */
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

    @Override
    protected boolean deployFileDriverAtStart() {
        return false;
    }

    // X1, X2
    @Test
    public void sixteenWritersSurviveAHundredDriverSwaps_X1_X2() throws Exception {
        Bundle fileDriver = installFileDriver();
        Path image = sparseImage("swap.raw", DISK_SIZE);
        BlockNode disk = graph.open(image.toString(), new BlockOptions().put("node-name", "disk"), OpenFlags.RDWR);
        String fileChild = graph.info("disk").fileChild();
        ExecutorService bundleOps = Executors.newSingleThreadExecutor(r -> new Thread(r, "driverswap-bundle-ops"));
        Worker[] workers = new Worker[WORKERS];
        try {
            assertEquals(DISK_SIZE, disk.getLength());
            assertEquals(Duration.ofSeconds(30), graph.detachTimeout());
            // Warm up (classes loaded, worker pool grown) before taking the baselines.
            ioWarmUp(disk);
            Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
            List<String> blocklayerBefore = blocklayerThreadNames(threadsBefore);
            long poolBefore = poolThreads(threadsBefore);
            int fdsBefore = openFds();

            for (int w = 0; w < WORKERS; w++) {
                workers[w] = new Worker(w, disk);
                workers[w].start();
            }

            // A stretch without swaps, for comparison.
            long baselineStart = System.nanoTime();
            Thread.sleep(1_000);
            long baselineEnd = System.nanoTime();

            long[] windowStart = new long[CYCLES];
            long[] windowEnd = new long[CYCLES];
            long totalStart = System.nanoTime();
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                awaitProgress(workers, cycle);
                Thread.sleep(10);
                boolean update = cycle % UPDATE_EVERY == UPDATE_EVERY - 1;
                windowStart[cycle] = System.nanoTime();
                if (update) {
                    bounded(bundleOps, "update #" + cycle, () -> fileDriver.update());
                } else {
                    bounded(bundleOps, "stop #" + cycle, () -> fileDriver.stop());
                    bounded(bundleOps, "start #" + cycle, () -> fileDriver.start());
                }
                assertTrue("cycle " + cycle + ": node " + fileChild + " has its driver back within "
                        + BUNDLE_OP_TIMEOUT_MS + " ms", await(() -> driverBack(fileChild), BUNDLE_OP_TIMEOUT_MS));
                windowEnd[cycle] = System.nanoTime();
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

            // The figures: per cycle, the longest request that overlapped the swap.
            long[] pauses = new long[CYCLES];
            int[] overlapping = new int[CYCLES];
            for (int c = 0; c < CYCLES; c++) {
                for (Worker w : workers) {
                    for (int i = 0; i < w.requests; i++) {
                        long s = w.starts[i];
                        long e = w.ends[i];
                        if (s < windowEnd[c] && e > windowStart[c]) {
                            pauses[c] = Math.max(pauses[c], e - s);
                            overlapping[c]++;
                        }
                    }
                }
            }
            long baselineWorst = 0;
            long requests = 0;
            long enomedium = 0;
            for (Worker w : workers) {
                requests += w.requests;
                enomedium += w.enomediumWrites + w.enomediumReads;
                for (int i = 0; i < w.requests; i++) {
                    if (w.starts[i] >= baselineStart && w.ends[i] <= baselineEnd) {
                        baselineWorst = Math.max(baselineWorst, w.ends[i] - w.starts[i]);
                    }
                }
            }
            long[] windows = new long[CYCLES];
            for (int c = 0; c < CYCLES; c++) {
                windows[c] = windowEnd[c] - windowStart[c];
            }
            int idleCycles = (int) Arrays.stream(overlapping).filter(n -> n == 0).count();
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
            long[] sorted = pauses.clone();
            Arrays.sort(sorted);
            long[] sortedWindows = windows.clone();
            Arrays.sort(sortedWindows);
            System.out.printf("figure driverswap.pause.median %.1f ms%n", millis(median(sorted)));
            System.out.printf("figure driverswap.pause.worst %.1f ms%n", millis(sorted[CYCLES - 1]));
            System.out.printf("figure driverswap.window.median %.1f ms%n", millis(median(sortedWindows)));
            System.out.printf("figure driverswap.window.worst %.1f ms%n", millis(sortedWindows[CYCLES - 1]));
            System.out.printf("figure driverswap.baseline.worst %.1f ms%n", millis(baselineWorst));
            System.out.printf("driverswap: %d cycles (%d updates) in %d ms; %d requests, %d ENOMEDIUM;"
                    + " %d cycles with no request in the window%n", CYCLES, CYCLES / UPDATE_EVERY, totalMillis,
                    requests, enomedium, idleCycles);
            System.out.printf("driverswap: slowest request %.1f ms; %d requests started after it and finished"
                    + " before it%n", millis(slowest), overtakers);
            assertTrue("requests were in flight across most swaps", idleCycles < CYCLES / 2);

            // Every region reads back as last acknowledged, through the node and in the file itself.
            disk.flush();
            verifyRegions(workers, disk, image);

            // The node is back on its driver, and the graph shows no trace of the swaps.
            NodeInfo diskInfo = findNode("disk");
            assertNotNull("disk is still in the graph", diskInfo);
            assertEquals("raw", diskInfo.driver());
            assertNull(diskInfo.goneDriver());
            NodeInfo fileInfo = findNode(fileChild);
            assertNotNull(fileInfo);
            assertEquals("file", fileInfo.driver());
            assertNull(fileInfo.goneDriver());
            assertEquals(DISK_SIZE, fileInfo.length());
            assertEquals("the graph holds the disk and its file child only", 2, graph.nodes().size());

            // No leaks: threads (once the worker pool has shrunk back) and file descriptors.
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
            System.out.printf("driverswap: open fds %d before, %d after%n", fdsBefore, fdsAfter);
            assertTrue("open fds " + fdsAfter + " within " + FD_TOLERANCE + " of " + fdsBefore,
                    fdsAfter <= fdsBefore + FD_TOLERANCE);
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
            cleanUp(fileDriver);
        }
    }

    // X1, X2
    @Test
    public void ioFailsEnomediumAfterDetachTimeoutAndWorksWhenTheDriverIsBack_X1_X2() throws Exception {
        Bundle fileDriver = installFileDriver();
        Duration saved = graph.detachTimeout();
        Path image = sparseImage("timeout.raw", 1 << 20);
        BlockNode disk = graph.open(image.toString(), new BlockOptions().put("node-name", "disk"), OpenFlags.RDWR);
        String fileChild = graph.info("disk").fileChild();
        try {
            ByteBuffer written = pattern(BLOCK, 1, 7, 4096);
            disk.pwrite(4096, written.duplicate(), 0);
            graph.setDetachTimeout(Duration.ofMillis(500));
            assertEquals(Duration.ofMillis(500), graph.detachTimeout());

            fileDriver.stop();
            NodeInfo gone = graph.info(fileChild);
            assertNull("the file child has no medium", gone.driver());
            assertEquals("file", gone.goneDriver());
            assertEquals("raw", graph.info("disk").driver());

            long t0 = System.nanoTime();
            BlockException e = expectBlockException(() -> disk.pread(4096, ByteBuffer.allocate(BLOCK), 0));
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("figure driverswap.timeout.enomedium %d ms%n", elapsedMs);
            assertEquals(e.describe(), Errno.ENOMEDIUM, e.errno());
            assertTrue(e.getMessage(), e.getMessage().contains("'file' gone"));
            assertTrue("waited the detach timeout (500 ms) before failing, not " + elapsedMs + " ms",
                    elapsedMs >= 450);
            assertTrue("failed within a bounded time after the 500 ms timeout, not " + elapsedMs + " ms",
                    elapsedMs < 2_500);
            assertEquals("still gone after the timeout", "file", graph.info(fileChild).goneDriver());

            fileDriver.start();
            assertTrue(await(() -> driverBack(fileChild), BUNDLE_OP_TIMEOUT_MS));
            ByteBuffer back = ByteBuffer.allocate(BLOCK);
            disk.pread(4096, back, 0);
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
        BlockNode disk = graph.open(image.toString(), new BlockOptions().put("node-name", "disk"), OpenFlags.RDWR);
        String fileChild = graph.info("disk").fileChild();
        ExecutorService io = Executors.newSingleThreadExecutor(r -> new Thread(r, "driverswap-gap-io"));
        try {
            ByteBuffer written = pattern(BLOCK, 2, 9, 0);
            fileDriver.stop();
            long t0 = System.nanoTime();
            Future<Long> write = io.submit(() -> {
                disk.pwrite(0, written.duplicate(), 0);
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
            disk.pread(0, back, 0);
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
        final BlockNode disk;
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

        Worker(int id, BlockNode disk) {
            super("driverswap-worker-" + id);
            this.id = id;
            this.disk = disk;
            this.regionStart = (long) id * REGION;
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
                    if (request(() -> disk.pwrite(offset, data, 0), "write", offset)) {
                        acked[block] = seq;
                    } else {
                        enomediumWrites++;
                    }
                    read.clear();
                    if (request(() -> disk.pread(offset, read, 0), "read", offset)) {
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

    private void ioWarmUp(BlockNode disk) throws BlockException {
        ByteBuffer zeros = ByteBuffer.allocate(BLOCK);
        for (int i = 0; i < 8; i++) {
            zeros.clear();
            disk.pread((long) i * BLOCK, zeros, 0);
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

    /** Every block of every region, through the node and straight from the image file, as last acknowledged. */
    private static void verifyRegions(Worker[] workers, BlockNode disk, Path image) throws Exception {
        ByteBuffer read = ByteBuffer.allocate(BLOCK);
        try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ)) {
            for (Worker w : workers) {
                CRC32 expectedSum = new CRC32();
                CRC32 nodeSum = new CRC32();
                CRC32 fileSum = new CRC32();
                for (int block = 0; block < BLOCKS_PER_REGION; block++) {
                    long offset = w.regionStart + (long) block * BLOCK;
                    expectedSum.update(pattern(BLOCK, w.id, w.acked[block], offset));
                    read.clear();
                    disk.pread(offset, read, 0);
                    nodeSum.update(read.array());
                    read.clear();
                    while (read.hasRemaining()) {
                        if (file.read(read, offset + read.position()) < 0) {
                            break;
                        }
                    }
                    fileSum.update(read.flip());
                }
                assertEquals("region " + w.id + " through the node", expectedSum.getValue(), nodeSum.getValue());
                assertEquals("region " + w.id + " in the image file", expectedSum.getValue(), fileSum.getValue());
            }
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

    private Bundle installFileDriver() throws Exception {
        Bundle b = bundleContext.installBundle("reference:file:" + reactorJar(FILE_DRIVER));
        b.start();
        assertTrue(await(() -> graph.drivers().stream().anyMatch(d -> d.name().equals("file")), 5_000));
        return b;
    }

    /** Closes what a test opened and removes the file driver, so the next test starts from the same place. */
    private void cleanUp(Bundle fileDriver) throws Exception {
        for (NodeInfo n : graph.nodes()) {
            if (n.node().equals("disk")) {
                graph.close("disk");
            }
        }
        fileDriver.uninstall();
        assertEquals(List.of(), graph.nodes());
    }

    private boolean driverBack(String node) {
        try {
            NodeInfo info = graph.info(node);
            return "file".equals(info.driver()) && info.goneDriver() == null;
        } catch (BlockException e) {
            return false;
        }
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
