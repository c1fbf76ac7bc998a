package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.driver.file.internal.FileDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A driver leaving and coming back while its nodes stay open (X1, X2). */
@Timeout(60)
class DriverSwapTest {
    private final CoreFixture core = new CoreFixture();
    private final FileDriver file = core.addFileAndRawDrivers("1.0.0");
    @TempDir
    Path dir;
    private BlockDriverState disk;

    @AfterEach
    void tearDown() {
        core.close();
    }

    private void openDisk() throws Exception {
        Path img = CoreFixture.sparseFile(dir, "disk.img", 1 << 20);
        disk = (BlockDriverState) core.graph.open(img.toString(), BlockOptions.parse("node-name=disk"),
                OpenFlags.RDWR);
    }

    private static ByteBuffer filled(int value, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) value);
        return ByteBuffer.wrap(b);
    }

    @Test
    @DisplayName("X1: a driver that leaves takes the medium of its nodes, which stay and say which driver went")
    void aLeavingDriverLeavesNodesWithoutMedium() throws Exception {
        core.graph.setDetachTimeout(Duration.ZERO);
        openDisk();
        core.graph.removeDriver(file);

        BlockDriverState child = disk.file().node();
        assertThat(child.driver()).isNull();
        assertThat(child.medium().goneDriver()).isEqualTo("file");
        assertThat(core.graph.nodes()).extracting(NodeInfo::node).contains("disk", child.nodeName());
        NodeInfo info = core.graph.info(child.nodeName());
        assertThat(info.goneDriver()).isEqualTo("file");
        assertThatThrownBy(() -> NodeIo.pread(disk, 0, ByteBuffer.allocate(512), 0)).isInstanceOfSatisfying(
                BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM);
                    assertThat(e.getMessage()).contains("driver 'file' gone");
                });
    }

    /**
     * X1: the stress run once got a plain "No medium found" from a length overlapping a swap: the request read "no
     * driver", the driver came back (reattach sets it, then clears the gone name, without the write lock), and the
     * request then read "no gone driver". The error is built from the one read that saw no driver. Breaks if:
     * {@code noMedium} reads the medium again instead of {@code seen}, or NodeMedium keeps the two halves apart.
     */
    @Test
    @DisplayName("X1: ENOMEDIUM names the driver that was gone when the request looked, though it is back since")
    void theNoMediumErrorNamesTheDriverGoneWhenTheRequestLooked() throws Exception {
        core.graph.setDetachTimeout(Duration.ZERO);
        openDisk();
        BlockDriverState child = disk.file().node();
        core.graph.removeDriver(file);
        NodeMedium.State seen = child.medium().state();
        assertThatThrownBy(child::driverOrNoMedium).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.getMessage()).contains("driver 'file' gone"));

        core.graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "1.1.0");

        assertThat(child.medium().state().goneDriver()).isNull();
        assertThat(seen.driver()).isNull();
        BlockException e = child.noMedium(seen);
        assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM);
        assertThat(e.getMessage()).contains("driver 'file' gone: No medium found").contains(child.nodeName());
    }

    /**
     * X2: a returning driver reopens its nodes in the main loop, without the write lock (as {@code bdrv_open_driver}
     * runs), and {@code bs->drv} is set before the driver's open. A request from a coroutine of another context, under
     * the read lock, arriving while that open runs must not reach the half-open driver: it answers ENOMEDIUM naming
     * the driver, as it would have a moment before. The main loop is held inside the driver's open by a latch.
     * Breaks if: driverOrNoMedium answers the driver while the medium is reattaching (the read got EBADF "the node
     * is not open" from the driver).
     */
    @Test
    @DisplayName("X2: a request from another context during a driver's reopen never reaches the half-open driver")
    void aRequestDuringTheReopenNeverReachesTheHalfOpenDriver() throws Exception {
        TestDriver first = core.driver("gate");
        first.length = 1 << 20;
        core.graph.addIothread("io1");
        BlockDriverState n = (BlockDriverState) core.graph.open(null, BlockOptions.parse("driver=gate,node-name=n"),
                OpenFlags.RDWR);
        core.graph.removeDriver(first);
        TestDriver second = TestDriver.withGetLength("gate");
        second.length = 1 << 20;
        CountDownLatch opening = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        second.beforeOpen = () -> {
            opening.countDown();
            try {
                proceed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread adder = new Thread(() -> core.graph.addDriver(second, "test.bundle", "1.1.0"));
        adder.start();
        CompletableFuture<Void> read = new CompletableFuture<>();
        try {
            assertThat(opening.await(30, TimeUnit.SECONDS)).as("the reopen began").isTrue();
            EventLoop io1 = core.context("io1");
            io1.scheduleCoroutine(Coroutine.create(() -> {
                try (GraphLock.Reader r = core.lock.coRdlock()) {
                    NodeIo.coPreadv(n, 0, ByteBuffer.allocate(512), 0);
                    read.complete(null);
                } catch (Throwable t) {
                    read.completeExceptionally(t);
                }
            }));
            assertThatThrownBy(() -> read.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(BlockException.class)
                    .cause().satisfies(e -> {
                        assertThat(((BlockException) e).errno()).isEqualTo(Errno.ENOMEDIUM);
                        assertThat(e.getMessage()).contains("driver 'gate' gone");
                    });
            assertThat(second.readsDone.get()).isZero();
        } finally {
            proceed.countDown();
            adder.join(30_000);
        }
        NodeIo.pread(n, 0, ByteBuffer.allocate(512), 0);
        assertThat(second.readsDone.get()).as("the reopened node reads").isEqualTo(1);
    }

    @Test
    @DisplayName("X2: a driver of the same name coming back reopens the nodes; data written before is still there")
    void aReturningDriverReattachesTheNodesWithTheirData() throws Exception {
        openDisk();
        NodeIo.pwrite(disk, 4096, filled(0xab, 4096), 0);
        core.graph.removeDriver(file);

        FileDriver upgraded = new FileDriver();
        core.graph.addDriver(upgraded, "org.blocklayer.driver.file", "1.1.0");

        assertThat(disk.file().node().driver()).isSameAs(upgraded);
        assertThat(disk.file().node().medium().goneDriver()).isNull();
        ByteBuffer back = ByteBuffer.allocate(4096);
        NodeIo.pread(disk, 4096, back, 0);
        assertThat(back.array()).isEqualTo(filled(0xab, 4096).array());
        assertThat(core.graph.drivers()).filteredOn(d -> d.name().equals("file")).singleElement()
                .satisfies(d -> assertThat(d.version()).isEqualTo("1.1.0"));
    }

    /**
     * X2 for a format node: the returning driver's open finds the child the node kept (bdrv_open_child answers the
     * existing edge), and a returning driver that fails to reopen the node leaves that child for the next one.
     * Breaks if: ChildOpener.open opens a new child during a reattach, or NodeOpener.releaseOpened releases a
     * reattaching node's children.
     */
    @Test
    @DisplayName("X2: a returning format driver reopens its node over the child the node kept")
    void aReturningFormatDriverReopensItsNodeOverTheChildItKept() throws Exception {
        TestDriver proto = core.driver("proto");
        proto.length = 4096;
        TestDriver fmt = core.driver("fmt");
        fmt.openChildFile = true;
        BlockDriverState top = core.open("driver=fmt,node-name=top,file.driver=proto,file.node-name=bottom");
        BdrvChild edge = top.file();
        core.graph.removeDriver(fmt);

        TestDriver failing = TestDriver.withGetLength("fmt");
        failing.openChildFile = true;
        failing.lengthError = TestDriver.eio();
        core.graph.addDriver(failing, "test.bundle", "2.0.0");
        assertThat(top.driver()).isNull();
        assertThat(failing.closeCalls).as("its open succeeded, its refresh did not").hasValue(1);
        assertThat(top.children()).containsExactly(edge);
        core.graph.removeDriver(failing);

        TestDriver back = TestDriver.withGetLength("fmt");
        back.openChildFile = true;
        core.graph.addDriver(back, "test.bundle", "3.0.0");
        assertThat(top.driver()).isSameAs(back);
        assertThat(back.lastFile).as("what its open got").isSameAs(edge);
        assertThat(top.file()).isSameAs(edge);
        assertThat(top.children()).containsExactly(edge);
        assertThat(core.graph.nodes()).extracting(NodeInfo::node).containsExactly("top", "bottom");
        assertThat(proto.closeCalls).hasValue(0);
    }

    /**
     * X2: a request waiting for a gone driver gives up as soon as its node is closed, not at the detach timeout: a
     * node leaving the graph restarts the waiters. Breaks if: NodeTable.forget does not restart them.
     */
    @Test
    @DisplayName("X2: a request waiting for a gone driver fails at once when its node is closed")
    void aRequestWaitingForAGoneDriverFailsAtOnceWhenItsNodeCloses() throws Exception {
        core.graph.setDetachTimeout(Duration.ofMinutes(10));
        assertThat(core.graph.detachTimeout()).isEqualTo(Duration.ofMinutes(10));
        openDisk();
        core.graph.removeDriver(file);
        CompletableFuture<Void> read = fromOutside(() -> NodeIo.pread(disk, 0, ByteBuffer.allocate(512), 0));
        assertThat(inMainUntil(this::aRequestWaitsForADriver)).as("the read waits for the driver").isTrue();
        assertThat(read).isNotDone();

        core.graph.close("disk");
        assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("X2: a request issued while the driver is away waits for it and then succeeds")
    void aRequestInTheGapWaitsForTheDriver() throws Exception {
        openDisk();
        core.graph.removeDriver(file);
        CompletableFuture<Void> write = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                NodeIo.pwrite(disk, 0, filled(0x5a, 512), 0);
                write.complete(null);
            } catch (Throwable t) {
                write.completeExceptionally(t);
            }
        }, "writer");
        writer.start();
        // The driver comes back only once the write waits for it, not after a fixed sleep the writer thread may
        // not even have started in: first the writer hands its coroutine to the main loop and blocks...
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!blockedIn(writer, "CoWrappers") && !write.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        // ...then a round trip through the main loop's top level: the coroutine was entered before it and, the
        // driver being away, can only be waiting for it.
        core.scheduler.inMainLoop(() -> null);
        assertThat(write).isNotDone();
        core.graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "1.1.0");
        write.get(10, TimeUnit.SECONDS);
        ByteBuffer back = ByteBuffer.allocate(512);
        NodeIo.pread(disk, 0, back, 0);
        assertThat(back.array()).isEqualTo(filled(0x5a, 512).array());
    }

    @Test
    @DisplayName("X2: a request arriving while the returning driver's open polls its loop waits until it is open")
    void aRequestDuringTheReturningDriversOpenWaitsUntilItIsOpen() throws Exception {
        core.graph.removeDriver(file);
        core.driver("proto").length = 4096;
        BlockDriverState node = core.open("driver=proto,node-name=p");
        TestDriver first = (TestDriver) node.driver();
        core.graph.removeDriver(first);
        CountDownLatch polling = new CountDownLatch(1);
        CompletableFuture<Void> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                polling.await();
                NodeIo.pread(node, 0, ByteBuffer.allocate(512), 0);
                read.complete(null);
            } catch (Throwable t) {
                read.completeExceptionally(t);
            }
        }, "reader");
        reader.start();
        TestDriver back = TestDriver.withGetLength("proto");
        back.length = 4096;
        var main = core.scheduler.mainContext();
        // As nbd's open: a co_wrapper whose coroutine waits for a worker, the main loop polling meanwhile.
        back.beforeOpen = () -> core.scheduler.coWrapperMixed(main, () -> {
            try {
                return main.threadPool().run(() -> {
                    polling.countDown();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!blockedIn(reader, "CoWrappers") && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    // The reader's coroutine is entered from a bottom half scheduled before this one.
                    CompletableFuture<Void> after = new CompletableFuture<>();
                    main.schedule(() -> after.complete(null));
                    try {
                        return after.get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new java.io.IOException(e);
                    }
                });
            } catch (java.io.IOException e) {
                throw new BlockException(Errno.EIO, e.toString());
            }
        });

        core.graph.addDriver(back, "test.bundle", "2.0.0");

        read.get(10, TimeUnit.SECONDS);
        assertThat(node.driver()).isSameAs(back);
        assertThat(back.lastOpened).isSameAs(node);
    }

    /** True once {@code t} is parked in a method of a class whose simple name is {@code className}. */
    private static boolean blockedIn(Thread t, String className) {
        Thread.State state = t.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
            return false;
        }
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().endsWith("." + className)) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code call} on a thread of its own: a request from outside, which waits in the main loop. */
    private static CompletableFuture<Void> fromOutside(BlockCall call) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                call.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "request");
        t.start();
        return done;
    }

    interface BlockCall {
        void run() throws Exception;
    }

    /** Spins (no sleep) until {@code condition}, read in the main loop, holds; false after 10 s. */
    private boolean inMainUntil(java.util.function.BooleanSupplier condition) throws Exception {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!core.inMain(condition::getAsBoolean) && System.nanoTime() < giveUp) {
            Thread.onSpinWait();
        }
        return core.inMain(condition::getAsBoolean);
    }

    /** True when a request waits for a driver to come back (X2), as seen from the main loop. */
    private boolean aRequestWaitsForADriver() {
        return !core.graph.mediumWaiters().isEmpty();
    }

    /**
     * The graph's own wait clock is the system's monotonic one, read as System.nanoTime reads it. Breaks if:
     * WaitClock.SYSTEM's nanoTime answered 0 (no request would ever reach its deadline).
     */
    @Test
    void theGraphsWaitClockIsTheSystemsNanoTime() {
        long before = System.nanoTime();
        long now = core.graph.waitClock().nanoTime();
        long after = System.nanoTime();
        assertThat(now - before).isNotNegative();
        assertThat(after - now).isNotNegative();
    }

    /**
     * The deadline on a clock the test moves, not slept: a request waits through a wake-up that brings nothing back
     * and through the time just before its deadline, and gives up exactly at it, arming one timer and leaving none.
     * Breaks if: MediumWait.await left its loop on the first wake-up (its while negated), waited on at the deadline
     * ({@code < 0} made {@code <= 0}), or read the time with the wrong sign.
     */
    @Test
    @DisplayName("X2: a request waits at most the detach timeout, then fails with ENOMEDIUM")
    void aRequestGivesUpAfterTheDetachTimeout() throws Exception {
        ManualWaitClock clock = new ManualWaitClock();
        core.graph.setWaitClock(clock);
        core.graph.setDetachTimeout(Duration.ofSeconds(30));
        openDisk();
        core.graph.removeDriver(file);
        CompletableFuture<Void> read = fromOutside(() -> NodeIo.pread(disk, 0, ByteBuffer.allocate(512), 0));
        assertThat(inMainUntil(this::aRequestWaitsForADriver)).as("the read waits for the driver").isTrue();
        assertThat(clock.pending()).as("its deadline's timer").isEqualTo(1);

        clock.advance(TimeUnit.SECONDS.toNanos(30) - 1);
        // A wake-up for another reason (another node closing, another driver back): the request looks and waits on.
        core.inMain(() -> {
            core.graph.mediumWaiters().restartAll();
            return null;
        });
        assertThat(core.inMain(this::aRequestWaitsForADriver)).as("waiting again after the wake-up").isTrue();
        assertThat(read).isNotDone();

        clock.advance(1);
        assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(
                BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM);
                    assertThat(e.getMessage()).contains(disk.file().node().nodeName()).contains("driver 'file' gone");
                });
        assertThat(clock.pending()).isZero();
        assertThatThrownBy(() -> core.graph.setDetachTimeout(Duration.ofSeconds(-1)))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    /**
     * The same through a BlockBackend, whose deadline spans its retries: it waits until exactly the detach timeout
     * and then fails. Breaks if: BlockBackendImpl.coRequest's deadline were {@code now - timeout} (no wait at all),
     * Backends.detachTimeoutNanos answered 0, coRequest skipped MediumWait.await (it spins on the read lock), or the
     * attempt's deadline test were {@code > 0} (at the deadline it goes round again for ever).
     */
    @Test
    @DisplayName("X2: a backend's request waits at most the detach timeout, then fails with ENOMEDIUM")
    void aBackendsRequestGivesUpAtTheDetachTimeout() throws Exception {
        ManualWaitClock clock = new ManualWaitClock();
        core.graph.setWaitClock(clock);
        core.graph.setDetachTimeout(Duration.ofSeconds(30));
        openDisk();
        var blk = core.graph.attach("disk", "", java.util.EnumSet.of(org.blocklayer.api.graph.Permission.CONSISTENT_READ),
                org.blocklayer.api.graph.Permission.ALL);
        core.graph.removeDriver(file);
        CompletableFuture<Void> read = fromOutside(() -> blk.pread(0, ByteBuffer.allocate(512)));
        assertThat(inMainUntil(this::aRequestWaitsForADriver)).as("the read waits for the driver").isTrue();
        clock.advance(TimeUnit.SECONDS.toNanos(30) - 1);
        assertThat(core.inMain(this::aRequestWaitsForADriver)).isTrue();
        assertThat(read).isNotDone();

        clock.advance(1);
        assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
        assertThat(clock.pending()).isZero();
    }

    /**
     * A driver that comes back, then leaves again before the request holds the read lock (here: while the request
     * waits out a drained section after its wait): the request waits for it again within the same deadline, and
     * succeeds when it is back; no timer of a finished wait stays armed. Breaks if: BlockBackendImpl.attempt's
     * deadline test added the deadline instead of subtracting it (the request fails ENOMEDIUM at once), attempt's
     * "go again" answer were null, or MediumWait.await left its timer armed (a 30 s timer per waiting request).
     */
    @Test
    @DisplayName("X2: a driver that leaves again before the request runs is waited for again, within the deadline")
    void aDriverLeavingAgainBeforeTheRequestRunsIsWaitedForAgain() throws Exception {
        ManualWaitClock clock = new ManualWaitClock();
        core.graph.setWaitClock(clock);
        openDisk();
        NodeIo.pwrite(disk, 0, filled(0x3c, 512), 0);
        var blk = core.graph.attach("disk", "", java.util.EnumSet.of(org.blocklayer.api.graph.Permission.CONSISTENT_READ),
                org.blocklayer.api.graph.Permission.ALL);
        core.graph.removeDriver(file);
        ByteBuffer back = ByteBuffer.allocate(512);
        CompletableFuture<Void> read = fromOutside(() -> blk.pread(0, back));
        assertThat(inMainUntil(this::aRequestWaitsForADriver)).isTrue();

        FileDriver second = new FileDriver();
        core.inMain(() -> {
            core.graph.drainer().drainedBegin(disk);
            core.graph.addDriver(second, "org.blocklayer.driver.file", "1.1.0");
            return null;
        });
        assertThat(inMainUntil(() -> disk.drainState().hasDrainedWaiters())).as("past its wait, held by the drain")
                .isTrue();
        assertThat(clock.pending()).as("the finished wait's timer").isZero();
        core.inMain(() -> {
            core.graph.removeDriver(second);
            core.graph.drainer().drainedEnd(disk);
            return null;
        });
        assertThat(inMainUntil(this::aRequestWaitsForADriver)).as("waiting for the driver again").isTrue();
        assertThat(read).isNotDone();

        core.graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "1.2.0");
        read.get(10, TimeUnit.SECONDS);
        assertThat(back.array()).isEqualTo(filled(0x3c, 512).array());
        assertThat(clock.pending()).isZero();
    }

    /**
     * X1 then X2 with a driver that locks its image: the leaving driver flushes each node before it closes it, and
     * the returning instance, which holds no lock yet, is given the users' permissions again. Breaks if:
     * DriverWhiteboard.detach skipped its flush, or reattach skipped relaxPermissions.
     */
    @Test
    @DisplayName("X1 X2: a leaving driver flushes its nodes first; a returning one takes their users' permissions again")
    void aLeavingDriverFlushesFirstAndAReturningOneTakesTheUsersPermissionsAgain() throws Exception {
        LockingDriver first = new LockingDriver("lk");
        core.graph.addDriver(first, "test.bundle", "1.0.0");
        core.open("driver=lk,node-name=n");
        var readWrite = java.util.EnumSet.of(org.blocklayer.api.graph.Permission.CONSISTENT_READ,
                org.blocklayer.api.graph.Permission.WRITE);
        core.graph.attach("n", "", readWrite, org.blocklayer.api.graph.Permission.ALL);
        first.calls.clear();

        core.graph.removeDriver(first);
        assertThat(first.calls).containsExactly("flush n", "close n");

        LockingDriver second = new LockingDriver("lk");
        core.graph.addDriver(second, "test.bundle", "2.0.0");
        assertThat(second.calls).contains("set n " + org.blocklayer.api.graph.Permission.mask(readWrite));
    }

    @Test
    @DisplayName("X2: a replacement bound before the old driver is unbound takes the nodes over at once")
    void aReplacementBoundFirstTakesOverWhenTheOldOneLeaves() throws Exception {
        openDisk();
        FileDriver replacement = new FileDriver();
        core.graph.addDriver(replacement, "org.blocklayer.driver.file", "2.0.0");
        assertThat(disk.file().node().driver()).isSameAs(file);
        core.graph.removeDriver(file);
        assertThat(disk.file().node().driver()).isSameAs(replacement);
        assertThat(disk.getLength()).isEqualTo(1 << 20);
    }
}
