package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockDevOps;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Drained sections (B13, B38, B39) and in-flight counting. Bounded: a drain that never ends fails. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DrainTest {
    private final CoreFixture core = new CoreFixture();
    private final DrainCountingDriver drv = new DrainCountingDriver();

    DrainTest() {
        core.graph.addDriver(drv, "test.bundle", "1.0.0");
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    /**
     * Counts drain callbacks, per node too. A read says when it started ({@link #readStarted}), then waits on a
     * worker until a drain has begun on the node named by {@link #readsWaitFor} (any node when null), at most
     * 10 s: a drain always finds it in flight, however late it starts, and a drain that never begins on that node
     * shows as a read that ended without it.
     */
    static final class DrainCountingDriver extends TestDriverBase {
        final AtomicInteger begins = new AtomicInteger();
        final AtomicInteger ends = new AtomicInteger();
        final AtomicInteger readsDone = new AtomicInteger();
        final CountDownLatch readStarted = new CountDownLatch(1);
        final Map<String, CountDownLatch> drainBegunOn = new ConcurrentHashMap<>();
        final AtomicBoolean readEndedWithoutItsDrain = new AtomicBoolean();
        volatile String readsWaitFor;

        /** Forgets the drains so far (opening a child edge drains every node, under the write lock). */
        void forgetDrains() {
            drainBegunOn.clear();
            begins.set(0);
            ends.set(0);
        }

        CountDownLatch drainBegunOn(String node) {
            return drainBegunOn.computeIfAbsent(node, n -> new CountDownLatch(1));
        }

        /** A node over {@code file=NODE} gets it as its filtered child; one without the option has none. */
        @Override
        public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
            super.open(bs, options, flags);
            bs.openChild(options, "file", EnumSet.of(ChildRole.FILTERED, ChildRole.PRIMARY), true);
        }

        @Override
        public void drainBegin(DriverNode bs) {
            begins.incrementAndGet();
            drainBegunOn(bs.nodeName()).countDown();
            drainBegunOn("").countDown();
        }

        @Override
        public void drainEnd(DriverNode bs) {
            ends.incrementAndGet();
        }

        @Override
        public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
            readStarted.countDown();
            String gate = readsWaitFor;
            CountDownLatch drained = drainBegunOn(gate == null ? "" : gate);
            try {
                bs.aioContext().threadPool().run(() -> {
                    try {
                        if (!drained.await(10, TimeUnit.SECONDS)) {
                            readEndedWithoutItsDrain.set(true);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            readsDone.incrementAndGet();
        }
    }

    /** A read of {@code bs} from a thread of its own, returned once the driver has it: it is in flight. */
    private CompletableFuture<Void> readInFlight(BlockDriverState bs) throws InterruptedException {
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            try {
                NodeIo.pread(bs, 0, ByteBuffer.allocate(512), 0);
            } catch (BlockException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(drv.readStarted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(bs.drainState().inFlight()).isEqualTo(1);
        return read;
    }

    /**
     * drained_begin returns only once the request it found in flight is done.
     * Breaks if: Drain.drainedBegin skips its poll ({@code poll(bs.aioContext(), ...)} removed).
     */
    @Test
    @DisplayName("B38: drained begin waits for the request in flight and returns when it is done")
    void drainedBeginWaitsForTheRequestInFlightAndReturnsWhenItIsDone_B38() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=a");
        CompletableFuture<Void> read = readInFlight(bs);
        core.graph.drain("a");
        assertThat(drv.readsDone).hasValue(1);
        assertThat(bs.drainState().inFlight()).isZero();
        read.get(5, TimeUnit.SECONDS);
    }

    /**
     * Nested sections: the driver hears drainBegin only on 0→1 and drainEnd only on 1→0.
     * Breaks if: Drain.quiesceOne calls drainBegin on every begin ({@code >= 1} instead of {@code == 1}).
     */
    @Test
    @DisplayName("B39: nested sections call the driver only on the outermost transitions")
    void nestedSectionsCallTheDriverOnlyOnTheOutermostTransitions_B39() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=a");
        Drain drain = core.graph.drainer();
        int[] seen = core.inMain(() -> {
            drain.drainedBegin(bs);
            drain.drainedBegin(bs);
            int beginsWhileNested = drv.begins.get();
            drain.drainedEnd(bs);
            int endsAfterInner = drv.ends.get();
            drain.drainedEnd(bs);
            return new int[] {beginsWhileNested, endsAfterInner, drv.ends.get(), bs.drainState().quiesceCounter()};
        });
        assertThat(seen).containsExactly(1, 0, 1, 0);
    }

    /**
     * Polling happens once, at the top level, after every node above was quiesced: a node with two parents, p1
     * with a read in flight that ends only once p2 heard drainBegin. A drain that polled on its way up (after p1,
     * before p2) would wait for that read before ever reaching p2.
     * Breaks if: Drain.quiesce recurses into a parent with {@code drainedBegin(parentEdge.parent())}, which polls,
     * instead of {@code quiesce(parentEdge.parent())}.
     */
    @Test
    @DisplayName("B39: a drain polls once at the top level, after every parent is quiesced")
    void aDrainPollsOnceAtTheTopLevelAfterEveryParentIsQuiesced_B39() throws Exception {
        BlockDriverState bottom = core.open("driver=counting,node-name=b");
        BlockDriverState p1 = core.open("driver=counting,node-name=p1,file=b");
        core.open("driver=counting,node-name=p2,file=b");
        assertThat(bottom.edges().parents()).extracting(e -> e.parent().nodeName()).containsExactly("p1", "p2");
        drv.forgetDrains();
        drv.readsWaitFor = "p2";
        CompletableFuture<Void> read = readInFlight(p1);

        core.graph.drain("b");

        assertThat(drv.readEndedWithoutItsDrain).as("p2 was quiesced before anything waited for p1's read").isFalse();
        assertThat(drv.readsDone).hasValue(1);
        assertThat(drv.begins).hasValue(3);
        read.get(5, TimeUnit.SECONDS);
    }

    /**
     * From a coroutine of bs's own context: the drain runs in a bottom half while the coroutine yields, and the
     * coroutine resumes only when the request in flight is done.
     * Breaks if: Drain.coYieldToDrain wakes the coroutine before the bottom half drained (the wake moved ahead of
     * {@code drainedBegin(bs)}).
     */
    @Test
    @DisplayName("B38: drain from acoroutine runs in abottom half and resumes after it")
    void drainFromACoroutineRunsInABottomHalfAndResumesAfterIt_B38() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=a");
        Drain drain = core.graph.drainer();
        CompletableFuture<Void> read = readInFlight(bs);
        int[] seen = core.inCoroutine(() -> {
            Coroutine self = Coroutine.current();
            drain.drainedBegin(bs);
            int[] atResume = {bs.drainState().quiesceCounter(), Coroutine.current() == self ? 1 : 0,
                    drv.readsDone.get(), bs.drainState().inFlight()};
            drain.drainedEnd(bs);
            return new int[] {atResume[0], atResume[1], atResume[2], atResume[3], bs.drainState().quiesceCounter(),
                    drv.begins.get()};
        });
        assertThat(seen).containsExactly(1, 1, 1, 0, 0, 1);
        read.get(5, TimeUnit.SECONDS);
    }

    /**
     * A coroutine of the main loop that holds the lock of bs's iothread drains bs: it drops that lock while it
     * waits, so the bottom half in the iothread can take it (bdrv_co_drain_bh_cb), and has it back when it resumes,
     * after the request in flight in the iothread is done.
     * Breaks if: Drain.coYieldToDrain keeps the lock ({@code dropped} read as 0): the bottom half then blocks on it
     * and the drain never ends.
     */
    @Test
    @DisplayName("B38: drain from acoroutine drops the lock of the nodes other context while it waits")
    void drainFromACoroutineDropsTheLockOfTheNodesOtherContextWhileItWaits_B38() throws Exception {
        core.graph.addIothread("io0");
        BlockDriverState bs = (BlockDriverState) core.graph.open(null,
                org.blocklayer.api.graph.BlockOptions.parse("driver=counting,node-name=a"),
                org.blocklayer.api.graph.OpenFlags.RDWR, "io0");
        EventLoop io = bs.aioContext();
        Drain drain = core.graph.drainer();
        CompletableFuture<Void> read = readInFlight(bs);
        CompletableFuture<int[]> seen = CompletableFuture.supplyAsync(() -> {
            try {
                return core.inMain(() -> {
                    io.acquire();
                    try {
                        return CoWrappers.wrapper(core.scheduler.mainLoop(), () -> {
                            drain.drainedBegin(bs);
                            int[] atResume = {drv.readsDone.get(), bs.drainState().inFlight(), io.lockHoldCount(),
                                    bs.drainState().quiesceCounter()};
                            drain.drainedEnd(bs);
                            return new int[] {atResume[0], atResume[1], atResume[2], atResume[3],
                                    io.lockHoldCount(), bs.drainState().quiesceCounter()};
                        });
                    } finally {
                        io.release();
                    }
                });
            } catch (BlockException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(seen.get(10, TimeUnit.SECONDS)).containsExactly(1, 0, 1, 1, 1, 0);
        read.get(5, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("B13: a node opened inside drain all hears every drain it missed")
    void aNodeOpenedInsideDrainAllHearsEveryDrainItMissed_B13() throws Exception {
        Drain drain = core.graph.drainer();
        int[] seen = core.inMain(() -> {
            drain.drainAllBegin();
            drain.drainAllBegin();
            BlockDriverState bs = (BlockDriverState) core.graph.open(null,
                    org.blocklayer.api.graph.BlockOptions.parse("driver=counting,node-name=late"), 0);
            int atOpen = drv.begins.get();
            drain.drainAllEnd();
            drain.drainAllEnd();
            return new int[] {atOpen, bs.drainState().quiesceCounter(), drv.ends.get()};
        });
        assertThat(seen).containsExactly(2, 0, 1);
    }

    @Test
    void drainingANodeQuiescesItsParentsToo() throws Exception {
        TestDriver fmt = core.driver("fmt");
        fmt.openChildFile = true;
        BlockDriverState top = core.open("driver=fmt,node-name=top,file.driver=counting,file.node-name=bottom");
        BlockDriverState bottom = top.file().node();
        int[] counters = core.inMain(() -> {
            core.graph.drainer().drainedBegin(bottom);
            int[] c = {bottom.drainState().quiesceCounter(), top.drainState().quiesceCounter()};
            core.graph.drainer().drainedEnd(bottom);
            return c;
        });
        assertThat(counters).containsExactly(1, 1);
        assertThat(top.drainState().quiesceCounter()).isZero();
    }

    @Test
    @DisplayName("B34: the write lock drains everything before waiting and ends the drain before returning")
    void theWriteLockDrainsEverythingBeforeWaitingAndEndsTheDrainBeforeReturning_B34() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=a");
        int quiescedUnderWriter = core.inMain(() -> {
            try (GraphLock.Writer w = core.lock.wrlock()) {
                return bs.drainState().quiesceCounter();
            }
        });
        // bdrv_graph_wrlock: drain_all_begin_nopoll, wait for readers, drain_all_end_noletpoll, then return.
        assertThat(quiescedUnderWriter).isZero();
        assertThat(bs.drainState().quiesceCounter()).isZero();
        assertThat(drv.begins).hasValue(1);
        assertThat(drv.ends).hasValue(1);
    }

    /**
     * A request in flight on a parent keeps the drain of its child waiting: the section covers every node above.
     * Read in the main loop right after drained_begin, where the read's completion (also the main loop's) cannot
     * slip in unless the drain polled for it.
     * Breaks if: Drain.pendingHereOrAbove ignores what a parent has in flight (its {@code return true} in the
     * parents' loop answered false, a PIT mutant).
     */
    @Test
    @DisplayName("B38: drained begin waits for a request in flight on a node above")
    void drainedBeginWaitsForARequestInFlightOnANodeAbove_B38() throws Exception {
        BlockDriverState bottom = core.open("driver=counting,node-name=b");
        BlockDriverState top = core.open("driver=counting,node-name=t,file=b");
        drv.forgetDrains();
        drv.readsWaitFor = "t";
        CompletableFuture<Void> read = readInFlight(top);
        Drain drain = core.graph.drainer();
        int doneAtBegin = core.inMain(() -> {
            drain.drainedBegin(bottom);
            int done = drv.readsDone.get();
            drain.drainedEnd(bottom);
            return done;
        });
        assertThat(doneAtBegin).isEqualTo(1);
        assertThat(top.drainState().inFlight()).isZero();
        read.get(5, TimeUnit.SECONDS);
    }

    /**
     * bdrv_drain_all_begin polls until no node has a request in flight.
     * Breaks if: Drain.drainAllBegin does not poll, or its condition overlooks a node's own requests (PIT: the
     * {@code poll} call removed, the condition answering false).
     */
    @Test
    @DisplayName("B38: drain all waits for a request in flight on any node")
    void drainAllWaitsForARequestInFlightOnAnyNode_B38() throws Exception {
        core.open("driver=counting,node-name=a");
        BlockDriverState b = core.open("driver=counting,node-name=b");
        drv.forgetDrains();
        CompletableFuture<Void> read = readInFlight(b);
        Drain drain = core.graph.drainer();
        int doneAtBegin = core.inMain(() -> {
            drain.drainAllBegin();
            int done = drv.readsDone.get();
            drain.drainAllEnd();
            return done;
        });
        assertThat(doneAtBegin).isEqualTo(1);
        read.get(5, TimeUnit.SECONDS);
    }

    /**
     * A device whose own work is still running when the section begins: drained_begin tells it (drained_begin), then
     * polls while it answers drained_poll true (blk_root_drained_poll), so the work it finishes in a bottom half of
     * the main loop is done when drained_begin returns; drained_end tells it too, once, at the outermost end.
     */
    static final class PendingWorkDevice implements BlockDevOps {
        final List<String> heard = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean workPending = new AtomicBoolean();
        private final EventLoop finishIn;

        PendingWorkDevice(EventLoop finishIn) {
            this.finishIn = finishIn;
        }

        @Override
        public void drainedBegin() {
            heard.add("begin");
            workPending.set(true);
            finishIn.schedule(() -> workPending.set(false));
        }

        @Override
        public boolean drainedPoll() {
            return workPending.get();
        }

        @Override
        public void drainedEnd() {
            heard.add("end");
        }
    }

    /** A backend "dev" reading {@code node}, with a {@link PendingWorkDevice} as its device. */
    private PendingWorkDevice deviceOn(String node) throws Exception {
        BlockBackend blk = core.graph.attach(node, "dev", EnumSet.of(Permission.CONSISTENT_READ), Permission.ALL);
        PendingWorkDevice dev = new PendingWorkDevice(core.scheduler.mainLoop());
        core.inMain(() -> {
            blk.setDevOps(dev);
            return null;
        });
        return dev;
    }

    /**
     * Breaks if: Drain.quiesceOne/unquiesceOne stop telling the node's backends (their {@code blk.drainedBegin()}
     * or {@code blk.drainedEnd()} removed), or Drain.pendingHereOrAbove ignores a backend's drained_poll.
     */
    @Test
    @DisplayName("drained begin tells the backend's device and waits for its own work, drained end tells it")
    void drainedBeginTellsTheDeviceAndWaitsForItsWorkAndDrainedEndTellsIt() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=a");
        PendingWorkDevice dev = deviceOn("a");
        Drain drain = core.graph.drainer();
        Object[] seen = core.inMain(() -> {
            drain.drainedBegin(bs);
            boolean pendingAtBegin = dev.workPending.get();
            drain.drainedBegin(bs);
            drain.drainedEnd(bs);
            List<String> nested = List.copyOf(dev.heard);
            drain.drainedEnd(bs);
            return new Object[] {pendingAtBegin, nested};
        });
        assertThat(seen).containsExactly(false, List.of("begin"));
        assertThat(dev.heard).containsExactly("begin", "end");
    }

    /** Breaks if: Drain.drainAllBegin's condition ignores a backend's drained_poll (PIT: lambda answering false). */
    @Test
    @DisplayName("drain all waits for a device's own work too")
    void drainAllWaitsForADevicesOwnWork() throws Exception {
        core.open("driver=counting,node-name=a");
        PendingWorkDevice dev = deviceOn("a");
        Drain drain = core.graph.drainer();
        boolean pendingAtBegin = core.inMain(() -> {
            drain.drainAllBegin();
            boolean pending = dev.workPending.get();
            drain.drainAllEnd();
            return pending;
        });
        assertThat(pendingAtBegin).isFalse();
        assertThat(dev.heard).containsExactly("begin", "end");
    }

    /**
     * drain_all is global-state code: from another thread it is refused and counts nothing.
     * Breaks if: Drain.drainAllBeginNoPoll or drainAllEnd skip their {@code assertMainLoop}.
     */
    @Test
    void drainAllOutsideTheMainLoopIsRefused() throws Exception {
        Drain drain = core.graph.drainer();
        assertThatThrownBy(drain::drainAllBeginNoPoll).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bdrv_drain_all_begin is global-state code");
        assertThat(drain.drainAllCount()).isZero();
        core.inMain(() -> {
            drain.drainAllBegin();
            return null;
        });
        assertThatThrownBy(drain::drainAllEnd).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bdrv_drain_all_end is global-state code");
        assertThat(drain.drainAllCount()).isEqualTo(1);
        core.inMain(() -> {
            drain.drainAllEnd();
            return null;
        });
        assertThat(drain.drainAllCount()).isZero();
    }

    /**
     * block:drain-all through the facade: returns once nothing is in flight, and leaves no node quiesced. Breaks
     * if: MainLoopFacade.drainAll skipped drainAllBegin or drainAllEnd.
     */
    @Test
    void drainAllThroughTheGraphWaitsAndEndsItsSection() throws Exception {
        BlockDriverState b = core.open("driver=counting,node-name=b");
        drv.forgetDrains();
        CompletableFuture<Void> read = readInFlight(b);
        core.graph.drainAll();
        assertThat(drv.readsDone).hasValue(1);
        assertThat(b.drainState().quiesceCounter()).isZero();
        assertThat(drv.ends).hasValue(1);
        read.get(5, TimeUnit.SECONDS);
    }
}
