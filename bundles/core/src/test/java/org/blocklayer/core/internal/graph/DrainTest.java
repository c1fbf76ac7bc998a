package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Drained sections (B13, B38, B39) and in-flight counting. */
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
     * Counts drain callbacks; a read waits on a worker until a drain has begun (at most 10 s), so a drain always has
     * something to wait for, however late it starts.
     */
    static final class DrainCountingDriver extends TestDriverBase {
        final AtomicInteger begins = new AtomicInteger();
        final AtomicInteger ends = new AtomicInteger();
        final AtomicInteger readsDone = new AtomicInteger();
        final CountDownLatch drainBegun = new CountDownLatch(1);

        @Override
        public void drainBegin(DriverNode bs) {
            begins.incrementAndGet();
            drainBegun.countDown();
        }

        @Override
        public void drainEnd(DriverNode bs) {
            ends.incrementAndGet();
        }

        @Override
        public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
            try {
                bs.aioContext().threadPool().run(() -> {
                    try {
                        drainBegun.await(10, TimeUnit.SECONDS);
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

    @Test
    void drainWaitsForRequestsInFlight() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=a");
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            try {
                NodeIo.pread(bs, 0, ByteBuffer.allocate(512), 0);
            } catch (BlockException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (bs.drainState().inFlight() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(bs.drainState().inFlight()).isEqualTo(1);
        core.graph.drain("a");
        assertThat(drv.readsDone).hasValue(1);
        assertThat(bs.drainState().inFlight()).isZero();
        read.get(5, TimeUnit.SECONDS);
    }

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

    @Test
    @DisplayName("B38: drain from acoroutine runs in abottom half and resumes after it")
    void drainFromACoroutineRunsInABottomHalfAndResumesAfterIt_B38() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=a");
        Drain drain = core.graph.drainer();
        int[] seen = core.inCoroutine(() -> {
            Coroutine self = Coroutine.current();
            drain.drainedBegin(bs);
            int quiesced = bs.drainState().quiesceCounter();
            boolean sameCoroutine = Coroutine.current() == self;
            drain.drainedEnd(bs);
            return new int[] {quiesced, sameCoroutine ? 1 : 0, bs.drainState().quiesceCounter(), drv.begins.get()};
        });
        assertThat(seen).containsExactly(1, 1, 0, 1);
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
}
