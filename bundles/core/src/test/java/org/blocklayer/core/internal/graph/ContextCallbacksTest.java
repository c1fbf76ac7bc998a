package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.driver.AioContextAttach;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.core.internal.log.RecordingLogger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link AioContextAttach} capability ({@code bdrv_detach_aio_context}, {@code bdrv_attach_aio_context}): for
 * every node a move takes, its driver is detached in the old context's thread before the move and attached in the
 * new context's thread after it, with the node drained; a refused move tells no driver anything.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContextCallbacksTest {
    private final RecordingLogger log = new RecordingLogger();
    private final Scheduler scheduler = new Scheduler();
    private final Graph graph = new Graph(scheduler, new GraphRwLock(scheduler), log.logger);
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Attaching proto = new Attaching("proto", false);
    private final Attaching fmt = new Attaching("fmt", true);

    /** One callback: which, for which node, the context it named, the thread it ran in, the node's quiesce count. */
    record Call(String what, String node, String context, String thread, int quiesced) {
        @Override
        public String toString() {
            return what + " " + node + " " + context + " in " + thread + (quiesced > 0 ? " drained" : " RUNNING");
        }
    }

    ContextCallbacksTest() {
        graph.addDriver(proto, "test.proto", "1.0.0");
        graph.addDriver(fmt, "test.fmt", "1.0.0");
    }

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    @Test
    void aMoveDetachesEachNodeInTheOldContextsThreadAndAttachesItInTheNewOnesWhileDrained() throws Exception {
        graph.open(null, BlockOptions.parse("driver=fmt,node-name=f,file.driver=proto,file.node-name=p"),
                OpenFlags.RDWR);
        graph.addIothread("io0");

        graph.setAioContext("f", "io0");

        assertThat(calls).map(Call::toString).containsExactly(
                "detach f main in blocklayer-main drained",
                "detach p main in blocklayer-main drained",
                "attach f io0 in blocklayer-io0 drained",
                "attach p io0 in blocklayer-io0 drained");
        calls.clear();

        graph.setAioContext("p", "main");

        assertThat(calls).map(Call::toString).containsExactly(
                "detach p io0 in blocklayer-io0 drained",
                "detach f io0 in blocklayer-io0 drained",
                "attach p main in blocklayer-main drained",
                "attach f main in blocklayer-main drained");
        assertThat(((BlockDriverState) graph.node("f")).drainState().quiesceCounter()).as("drained only for the move").isZero();
    }

    @Test
    void aNodeAlreadyInTheTargetContextHearsNothing() throws Exception {
        graph.addIothread("io0");
        graph.open(null, BlockOptions.parse("driver=proto,node-name=p"), OpenFlags.RDWR, "io0");

        graph.setAioContext("p", "io0");

        assertThat(calls).isEmpty();
    }

    @Test
    void aRefusedMoveTellsNoDriver() throws Exception {
        graph.open(null, BlockOptions.parse("driver=fmt,node-name=f,file.driver=proto,file.node-name=p,"
                + "file.pin-context=on"), OpenFlags.RDWR);
        graph.addIothread("io0");

        assertThatThrownBy(() -> graph.setAioContext("f", "io0")).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));

        assertThat(calls).isEmpty();
        assertThat(graph.node("f").aioContext().name()).isEqualTo("main");
    }

    @Test
    void aDriverThatThrowsIsReportedAndTheMoveStillHappens() throws Exception {
        graph.open(null, BlockOptions.parse("driver=proto,node-name=p"), OpenFlags.RDWR);
        graph.addIothread("io0");
        proto.failure = new IllegalStateException("cannot let go");

        graph.setAioContext("p", "io0");

        assertThat(graph.node("p").aioContext().name()).isEqualTo("io0");
        assertThat(calls).map(Call::what).containsExactly("detach", "attach");
        assertThat(log.records).contains("WARN driver proto failed to detach from AioContext main for node p",
                "WARN driver proto failed to attach to AioContext io0 for node p");
    }

    /** A driver with the capability, recording each callback; {@code fmt} opens a file child. */
    private final class Attaching implements BlockDriver, AioContextAttach {
        private final String name;
        private final boolean format;
        volatile RuntimeException failure;

        Attaching(String name, boolean format) {
            this.name = name;
            this.format = format;
        }

        @Override
        public String formatName() {
            return name;
        }

        @Override
        public String protocolName() {
            return format ? null : name;
        }

        @Override
        public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
            if (format) {
                bs.openChild(options, "file", EnumSet.of(ChildRole.FILTERED, ChildRole.PRIMARY), false);
            }
            bs.setTotalSectors(8);
        }

        @Override
        public void detachAioContext(DriverNode bs) {
            record("detach", bs, bs.aioContext());
        }

        @Override
        public void attachAioContext(DriverNode bs, AioContext newContext) {
            assertThat(bs.aioContext()).isSameAs(newContext);
            record("attach", bs, newContext);
        }

        private void record(String what, DriverNode bs, AioContext ctx) {
            calls.add(new Call(what, bs.nodeName(), ctx.name(), Thread.currentThread().getName(),
                    ((BlockDriverState) bs).drainState().quiesceCounter()));
            if (failure != null) {
                throw failure;
            }
        }
    }
}
