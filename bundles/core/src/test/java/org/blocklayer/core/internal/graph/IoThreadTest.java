package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Iothreads in the block graph: creating and deleting them, opening nodes in them, moving connected subgraphs
 * between contexts (bdrv_try_change_aio_context) and the calls from the main loop into an iothread (B19, B25, B28,
 * B42, B43). Every test is bounded: a hang fails it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IoThreadTest {
    private final CoreFixture core = new CoreFixture();
    private final TestDriver proto = core.driver("proto");
    /** A format without getlength: its length is what its open set. */
    private final TestDriver fmt = core.driverWithoutGetLength("fmt");

    IoThreadTest() {
        proto.length = 4096;
        proto.variableLength = true;
        fmt.openChildFile = true;
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    // ---- iothread objects ----

    @Test
    void iothreadsAreListedInCreationOrderAndDeletingOneStopsItsThread() throws Exception {
        core.graph.addIothread("io0");
        core.graph.addIothread("io1");
        assertThat(core.graph.iothreads()).containsExactly("io0", "io1");
        assertThat(threadAlive("blocklayer-io1")).isTrue();

        core.graph.deleteIothread("io1");

        assertThat(core.graph.iothreads()).containsExactly("io0");
        assertThat(threadAlive("blocklayer-io1")).isFalse();
        assertThat(core.scheduler.contexts()).extracting(EventLoop::name).containsExactly("main", "io0");
        core.graph.addIothread("io1");
        assertThat(core.graph.iothreads()).containsExactly("io0", "io1");
    }

    @Test
    void badIothreadIdsAreEinval() throws Exception {
        core.graph.addIothread("io0");
        assertFails(() -> core.graph.addIothread("io0"), Errno.EINVAL, "Duplicate IOThread with id='io0'");
        assertFails(() -> core.graph.addIothread("main"), Errno.EINVAL, "it names the main loop");
        assertFails(() -> core.graph.addIothread("0io"), Errno.EINVAL, "Invalid IOThread id '0io'");
        assertFails(() -> core.graph.addIothread("io 1"), Errno.EINVAL, "Invalid IOThread id");
        assertFails(() -> core.graph.addIothread(""), Errno.EINVAL, "Invalid IOThread id");
        assertFails(() -> core.graph.addIothread(null), Errno.EINVAL, "Invalid IOThread id");
        assertThat(core.graph.iothreads()).containsExactly("io0");
    }

    /**
     * Global-state code refuses any thread but the main loop's: iothread add and del and a context change, called
     * from the test's thread, throw and change nothing; in the main loop add answers the new context. Breaks if:
     * IoThreads.add or delete, or ContextChange.change, lost its assertMainLoop, or add answered null.
     */
    @Test
    void iothreadObjectsAndMovesRefuseOtherThreads() throws Exception {
        core.graph.addIothread("io0");
        BlockDriverState bs = core.open("driver=proto,node-name=p");
        EventLoop io0 = core.inMain(() -> core.graph.ioThreads().context("io0"));

        assertThatThrownBy(() -> core.graph.ioThreads().add("io1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("iothread add");
        assertThatThrownBy(() -> core.graph.ioThreads().delete("io0")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("iothread del");
        assertThatThrownBy(() -> core.graph.contextChange().change(bs, io0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("bdrv_try_change_aio_context");
        assertThat(core.graph.iothreads()).containsExactly("io0");
        assertThat(bs.aioContext()).isSameAs(core.scheduler.mainLoop());

        EventLoop io1 = core.inMain(() -> core.graph.ioThreads().add("io1"));
        assertThat(io1.name()).isEqualTo("io1");
        assertThat(core.scheduler.contexts()).contains(io1);
    }

    @Test
    void deletingAnIothreadThatHostsNodesIsEbusyNamingThem() throws Exception {
        core.graph.addIothread("io0");
        open("driver=proto,node-name=a", "io0");
        open("driver=proto,node-name=b", "io0");
        core.open("driver=proto,node-name=c");

        assertFails(() -> core.graph.deleteIothread("io0"), Errno.EBUSY,
                "IOThread 'io0' is in use by nodes 'a', 'b'");
        assertThat(core.graph.iothreads()).containsExactly("io0");

        core.graph.setAioContext("a", "main");
        assertFails(() -> core.graph.deleteIothread("io0"), Errno.EBUSY, "IOThread 'io0' is in use by node 'b'");
        core.graph.close("b");
        core.graph.deleteIothread("io0");
        assertThat(core.graph.iothreads()).isEmpty();
        assertFails(() -> core.graph.deleteIothread("io0"), Errno.ENOENT, "Cannot find IOThread 'io0'");
    }

    // ---- calls from the main loop into an iothread ----

    @Test
    @DisplayName("B25 B28: get length of an iothread node runs in the iothread")
    void getLengthOfAnIothreadNodeRunsInTheIothread_B25_B28() throws Exception {
        core.graph.addIothread("io0");
        BlockDriverState a = open("driver=proto,node-name=a", "io0");
        EventLoop io0 = core.context("io0");
        assertThat(a.aioContext()).isSameAs(io0);
        assertThat(proto.lastGetLengthContext).as("the refresh at open").isSameAs(io0);
        proto.lastGetLengthContext = null;

        assertThat(core.graph.getLength("a")).isEqualTo(4096);
        assertThat(proto.lastGetLengthContext).isSameAs(io0);
        assertThat(proto.lastGetLengthInCoroutine).isTrue();

        // The seed's discipline, by hand: the main loop holds the node's context lock around the wrapper (B28).
        long held = core.inMain(() -> {
            io0.acquire();
            try {
                return a.getLength();
            } finally {
                io0.release();
            }
        });
        assertThat(held).isEqualTo(4096);
        assertThat(core.graph.info("a").aioContext()).isEqualTo("io0");
        assertThat(core.graph.info("a").length()).isEqualTo(4096);
    }

    @Test
    @DisplayName("B19: get length of an iothread node whose driver went away is enomedium")
    void getLengthOfAnIothreadNodeWhoseDriverWentAwayIsEnomedium_B19() throws Exception {
        core.graph.addIothread("io0");
        open("driver=proto,node-name=a", "io0");

        core.graph.removeDriver(proto);

        assertFails(() -> core.graph.getLength("a"), Errno.ENOMEDIUM,
                "node 'a': driver 'proto' gone: No medium found");
        NodeInfo info = core.graph.info("a");
        assertThat(info.driver()).isNull();
        assertThat(info.lengthError()).endsWith("(ENOMEDIUM)");
        assertThat(info.aioContext()).isEqualTo("io0");
    }

    @Test
    @DisplayName("B43: refresh and drain of an iothread node complete from the main loop")
    void refreshAndDrainOfAnIothreadNodeCompleteFromTheMainLoop_B43() throws Exception {
        core.graph.addIothread("io0");
        BlockDriverState a = open("driver=proto,node-name=a", "io0");
        EventLoop io0 = core.context("io0");
        proto.length = 8192;
        proto.lastGetLengthContext = null;

        core.inMain(() -> {
            io0.acquire();
            try {
                a.refreshTotalSectors(0);
            } finally {
                io0.release();
            }
            return null;
        });
        assertThat(a.totalSectors()).isEqualTo(16);
        assertThat(proto.lastGetLengthContext).isSameAs(io0);

        proto.readDelayMillis = 200;
        proto.readsWaitForDrain = new CountDownLatch(1);
        CompletableFuture<Void> read = readAsync(a);
        awaitInFlight(a);
        core.graph.drain("a");
        assertThat(a.drainState().inFlight()).isZero();
        assertThat(proto.readsDone).hasValue(1);
        read.get(10, TimeUnit.SECONDS);
        assertThat(proto.lastReadContext).isSameAs(io0);
        assertThat(a.drainState().quiesceCounter()).isZero();
    }

    // ---- moving nodes ----

    @Test
    @DisplayName("B43: a subgraph moves main to iothread to other iothread and back with io in between")
    void aSubgraphMovesMainToIothreadToOtherIothreadAndBackWithIoInBetween_B43() throws Exception {
        core.graph.addIothread("io0");
        core.graph.addIothread("io1");
        BlockDriverState top = core.open("driver=fmt,node-name=top,file.driver=proto,file.node-name=bottom");
        BlockDriverState bottom = top.file().node();

        for (String where : List.of("io0", "io1", "main", "io1")) {
            // Moving either end moves both: nodes joined by an edge share one context.
            core.graph.setAioContext(where.equals("io1") ? "bottom" : "top", where);
            EventLoop ctx = core.context(where);
            assertThat(top.aioContext()).as(where).isSameAs(ctx);
            assertThat(bottom.aioContext()).as(where).isSameAs(ctx);
            assertThat(core.graph.info("top").aioContext()).isEqualTo(where);

            ByteBuffer buf = ByteBuffer.allocate(512);
            NodeIo.pread(bottom, 0, buf, 0);
            assertThat(buf.array()).containsOnly(proto.pattern);
            assertThat(proto.lastReadContext).as(where).isSameAs(ctx);
            assertThat(core.graph.getLength("bottom")).isEqualTo(4096);
            assertThat(proto.lastGetLengthContext).as(where).isSameAs(ctx);
        }
        assertThat(top.drainState().quiesceCounter()).isZero();
        assertThat(bottom.drainState().quiesceCounter()).isZero();
        assertThat(core.lock.hasWriter()).isFalse();
    }

    @Test
    void movingANodeWaitsForItsRequestsInFlight() throws Exception {
        core.graph.addIothread("io0");
        BlockDriverState a = core.open("driver=proto,node-name=a");
        proto.readDelayMillis = 300;
        proto.readsWaitForDrain = new CountDownLatch(1);
        CompletableFuture<Void> read = readAsync(a);
        awaitInFlight(a);

        core.graph.setAioContext("a", "io0");

        assertThat(proto.readsDone).hasValue(1);
        assertThat(proto.lastReadContext).isSameAs(core.scheduler.mainLoop());
        assertThat(a.aioContext()).isSameAs(core.context("io0"));
        read.get(10, TimeUnit.SECONDS);
        proto.readDelayMillis = 0;
        proto.readsWaitForDrain = null;
        NodeIo.pread(a, 0, ByteBuffer.allocate(512), 0);
        assertThat(proto.lastReadContext).isSameAs(core.context("io0"));
    }

    @Test
    void movingToTheSameContextOrToAnUnknownOneChangesNothing() throws Exception {
        core.graph.addIothread("io0");
        open("driver=proto,node-name=a", "io0");
        int drains = proto.drainBegins.get();

        core.graph.setAioContext("a", "io0");
        assertThat(proto.drainBegins).hasValue(drains);

        assertFails(() -> core.graph.setAioContext("a", "io9"), Errno.ENOENT, "Cannot find IOThread 'io9'");
        assertFails(() -> core.graph.setAioContext("nosuch", "main"), Errno.ENOENT, "Cannot find node 'nosuch'");
        assertThat(core.graph.info("a").aioContext()).isEqualTo("io0");
    }

    @Test
    void aMoveIsRefusedWithNothingChangedWhenANodeOfTheSubgraphIsPinned() throws Exception {
        core.graph.addIothread("io0");
        core.open("driver=proto,node-name=base,pin-context=on");
        BlockDriverState filter = core.open("driver=fmt,node-name=filter,file=base");
        int drainsBefore = proto.drainBegins.get() + fmt.drainBegins.get();

        assertFails(() -> core.graph.setAioContext("filter", "io0"), Errno.EBUSY,
                "Cannot move node 'filter' to AioContext 'io0': node 'base' is pinned to AioContext 'main'"
                        + " (pin-context=on)");

        assertThat(core.graph.nodes()).extracting(NodeInfo::aioContext).containsOnly("main");
        assertThat(proto.drainBegins.get() + fmt.drainBegins.get()).isEqualTo(drainsBefore);
        assertThat(filter.drainState().quiesceCounter()).isZero();
        assertThat(filter.file().node().drainState().quiesceCounter()).isZero();
        assertThat(core.lock.hasWriter()).isFalse();
        // The pin is an open option like any other: the node's options show it.
        assertThat(core.graph.node("base").options().get("pin-context")).isEqualTo("on");
    }

    @Test
    @DisplayName("blk_root_can_set_aio_ctx: a BlockBackend that forbids context changes keeps its node where it is")
    void aBackendThatForbidsContextChangesRefusesTheMoveWithNothingChanged() throws Exception {
        core.graph.addIothread("io0");
        core.open("driver=proto,node-name=base");
        core.open("driver=fmt,node-name=filter,file=base");
        try (BlockBackend blk = core.graph.attachAs("exporter", "base", Set.of(Permission.CONSISTENT_READ),
                Permission.ALL)) {
            assertThat(blk.allowsAioContextChange()).as("allowed unless forbidden").isTrue();
            blk.setAllowAioContextChange(false);
            int drainsBefore = proto.drainBegins.get() + fmt.drainBegins.get();

            assertFails(() -> core.graph.setAioContext("filter", "io0"), Errno.EBUSY,
                    "Cannot move node 'filter' to AioContext 'io0': exporter uses node 'base' and cannot change"
                            + " iothread of active block backend");

            assertThat(core.graph.nodes()).extracting(NodeInfo::aioContext).containsOnly("main");
            assertThat(proto.drainBegins.get() + fmt.drainBegins.get()).isEqualTo(drainsBefore);
            blk.setAllowAioContextChange(true);
            core.graph.setAioContext("filter", "io0");
            assertThat(core.graph.nodes()).extracting(NodeInfo::aioContext).containsOnly("io0");
        }
    }

    @Test
    void aNodePinnedInAnIothreadStaysThere() throws Exception {
        core.graph.addIothread("io0");
        open("driver=proto,node-name=a,pin-context=on", "io0");

        assertFails(() -> core.graph.setAioContext("a", "main"), Errno.EBUSY, "it is pinned to AioContext 'io0'");
        assertThat(core.graph.info("a").aioContext()).isEqualTo("io0");
        assertFails(() -> core.open("driver=proto,node-name=b,pin-context=maybe"), Errno.EINVAL,
                "Parameter 'pin-context' expects 'on' or 'off'");
    }

    // ---- opening over nodes in other contexts ----

    @Test
    @DisplayName("B42: a filter opened over an iothread node joins its context and moves back with it")
    void aFilterOpenedOverAnIothreadNodeJoinsItsContextAndMovesBackWithIt_B42() throws Exception {
        core.graph.addIothread("io0");
        EventLoop io0 = core.context("io0");
        BlockDriverState base = open("driver=proto,node-name=base", "io0");
        TestDriver measured = core.driver("measured");
        measured.openChildFile = true;
        measured.variableLength = true;

        BlockDriverState filter = core.open("driver=measured,node-name=filter,file=base");

        assertThat(filter.aioContext()).isSameAs(io0);
        assertThat(base.aioContext()).isSameAs(io0);
        assertThat(filter.file().node()).isSameAs(base);
        assertThat(measured.lastGetLengthContext).as("the filter's refresh at open").isSameAs(io0);

        // Moving the node below back to the main loop takes the filter along (the BlockBackend's move in QEMU).
        core.graph.setAioContext("base", "main");
        assertThat(base.aioContext()).isSameAs(core.scheduler.mainLoop());
        assertThat(filter.aioContext()).isSameAs(core.scheduler.mainLoop());
    }

    @Test
    void aPinnedParentPullsAnExistingChildIntoItsContext() throws Exception {
        core.graph.addIothread("io0");
        BlockDriverState base = open("driver=proto,node-name=base", "io0");

        BlockDriverState filter = core.open("driver=fmt,node-name=filter,pin-context=on,file=base");

        assertThat(filter.aioContext()).isSameAs(core.scheduler.mainLoop());
        assertThat(base.aioContext()).isSameAs(core.scheduler.mainLoop());
    }

    @Test
    void whenNeitherSideCanMoveTheOpenFailsAndLeavesNothing() throws Exception {
        core.graph.addIothread("io0");
        BlockDriverState base = open("driver=proto,node-name=base,pin-context=on", "io0");

        assertFails(() -> core.open("driver=fmt,node-name=filter,pin-context=on,file=base"), Errno.EBUSY,
                "Cannot attach node 'base' as child 'file' of node 'filter'");

        assertThat(core.graph.nodes()).extracting(NodeInfo::node).containsExactly("base");
        assertThat(base.aioContext()).isSameAs(core.context("io0"));
        assertThat(base.parents()).isEmpty();
        assertThat(base.users().refcnt()).isEqualTo(1);
        core.graph.close("base");
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    void aFormatOverItsProtocolOpensInAnIothreadWithBothThere() throws Exception {
        core.graph.addIothread("io0");
        EventLoop io0 = core.context("io0");

        BlockDriverState top = open("driver=fmt,node-name=top,file.driver=proto,file.node-name=bottom", "io0");

        assertThat(top.aioContext()).isSameAs(io0);
        assertThat(top.file().node().aioContext()).isSameAs(io0);
        assertThat(proto.lastGetLengthContext).isSameAs(io0);
        assertThat(io0.lockHoldCount()).isZero();
    }

    @Test
    void openInAnIothreadEndsThereEvenWhenItsOpenJoinedAnotherContext() throws Exception {
        core.graph.addIothread("io0");
        core.graph.addIothread("io1");
        BlockDriverState base = open("driver=proto,node-name=base", "io1");

        BlockDriverState filter = open("driver=fmt,node-name=filter,file=base", "io0");

        assertThat(filter.aioContext()).isSameAs(core.context("io0"));
        assertThat(base.aioContext()).isSameAs(core.context("io0"));
    }

    @Test
    void openInAnIothreadThatCannotEndThereFailsAndLeavesNothing() throws Exception {
        core.graph.addIothread("io0");
        core.graph.addIothread("io1");
        BlockDriverState base = open("driver=proto,node-name=base,pin-context=on", "io1");

        assertFails(() -> open("driver=fmt,node-name=filter,file=base", "io0"), Errno.EBUSY,
                "node 'base' is pinned to AioContext 'io1'");

        assertThat(core.graph.nodes()).extracting(NodeInfo::node).containsExactly("base");
        assertThat(base.aioContext()).isSameAs(core.context("io1"));
        assertThat(base.users().refcnt()).isEqualTo(1);
        assertThat(fmt.closeCalls).hasValue(1);
    }

    @Test
    void openInAnUnknownIothreadIsEnoentAndOpensNothing() {
        assertFails(() -> open("driver=proto,node-name=a", "io7"), Errno.ENOENT,
                "Cannot find IOThread 'io7' (there is none)");
        assertThat(core.graph.nodes()).isEmpty();
        assertThat(proto.lastOpened).isNull();
    }

    @Test
    @DisplayName("B29: attaching achild in an iothread while it runs requests does not deadlock")
    void attachingAChildInAnIothreadWhileItRunsRequestsDoesNotDeadlock_B29() throws Exception {
        // The open below holds io0's lock when it write-locks the graph to attach its child; the read in flight
        // holds the read lock and needs io0's lock to be re-entered after its worker returns. The write lock drops
        // the iothread's lock while it waits (QEMU 8.2's bdrv_graph_wrlock(bs)), so both finish.
        core.graph.addIothread("io0");
        BlockDriverState busy = open("driver=proto,node-name=busy", "io0");
        proto.readDelayMillis = 300;
        proto.readsWaitForDrain = new CountDownLatch(1);
        CompletableFuture<Void> read = readAsync(busy);
        awaitInFlight(busy);

        BlockDriverState top = open("driver=fmt,node-name=top,file.driver=proto,file.node-name=bottom", "io0");

        read.get(10, TimeUnit.SECONDS);
        assertThat(top.aioContext()).isSameAs(core.context("io0"));
        assertThat(proto.readsDone).hasValue(1);
    }

    // ---- helpers ----

    private BlockDriverState open(String options, String iothread) throws BlockException {
        return (BlockDriverState) core.graph.open(null, BlockOptions.parse(options), OpenFlags.RDWR, iothread);
    }

    private static CompletableFuture<Void> readAsync(BlockDriverState bs) {
        return CompletableFuture.runAsync(() -> {
            try {
                NodeIo.pread(bs, 0, ByteBuffer.allocate(512), 0);
            } catch (BlockException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void awaitInFlight(BlockDriverState bs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (bs.drainState().inFlight() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(bs.drainState().inFlight()).as("a request in flight on " + bs).isEqualTo(1);
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    private static void assertFails(ThrowingCall call, Errno errno, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }
}
