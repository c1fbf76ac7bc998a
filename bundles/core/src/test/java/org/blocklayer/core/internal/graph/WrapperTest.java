package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** co_wrapper, co_wrapper_mixed and their _bdrv_rdlock variants (B22–B27). */
class WrapperTest {
    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    /**
     * Inside a coroutine of the main loop, a mixed wrapper whose first argument lives in an iothread still runs its
     * body at once, in the caller: same coroutine, same thread and context, and without polling, so a bottom half
     * queued just before it has not run when the body starts.
     * Breaks if: CoWrappers.mixed polls the caller's loop before running inline
     * ({@code Coroutine.current().context().poll(false)} ahead of {@code body.call()}), or hands the body to ctx.
     */
    @Test
    @DisplayName("B22: mixed inside acoroutine runs inline in the same coroutine, without poll or context switch")
    void mixedInsideACoroutineRunsInlineInTheSameCoroutine_B22() throws Exception {
        EventLoop io = core.scheduler.createIoThread("io");
        EventLoop main = core.scheduler.mainLoop();
        AtomicReference<Coroutine> inner = new AtomicReference<>();
        AtomicReference<Thread> innerThread = new AtomicReference<>();
        AtomicReference<EventLoop> innerLoop = new AtomicReference<>();
        AtomicBoolean bottomHalfRanFirst = new AtomicBoolean();
        AtomicBoolean bottomHalfRan = new AtomicBoolean();
        Thread[] outerThread = new Thread[1];
        Coroutine outer = core.inCoroutine(() -> {
            outerThread[0] = Thread.currentThread();
            main.schedule(() -> bottomHalfRan.set(true));
            CoWrappers.mixed(io, () -> {
                inner.set(Coroutine.current());
                innerThread.set(Thread.currentThread());
                innerLoop.set(EventLoop.currentOrNull());
                bottomHalfRanFirst.set(bottomHalfRan.get());
                return null;
            });
            return Coroutine.current();
        });
        assertThat(inner.get()).isNotNull().isSameAs(outer);
        assertThat(innerThread.get()).isSameAs(outerThread[0]);
        assertThat(innerLoop.get()).as("no context switch").isSameAs(main);
        assertThat(bottomHalfRanFirst).as("no poll before the body").isFalse();
    }

    @Test
    @DisplayName("B23: mixed outside acoroutine runs anew coroutine in the nodes context and delivers its result")
    void mixedOutsideACoroutineRunsANewCoroutineInTheNodesContextAndDeliversItsResult_B23() throws Exception {
        EventLoop io = core.scheduler.createIoThread("io0");
        AtomicReference<EventLoop> ranOn = new AtomicReference<>();
        AtomicReference<Boolean> inCoroutine = new AtomicReference<>();
        long result = core.inMain(() -> {
            io.acquire();
            try {
                return CoWrappers.mixed(io, () -> {
                    ranOn.set(EventLoop.currentOrNull());
                    inCoroutine.set(Coroutine.inCoroutine());
                    return 42L;
                });
            } finally {
                io.release();
            }
        });
        assertThat(result).isEqualTo(42L);
        assertThat(inCoroutine.get()).isTrue();
        assertThat(ranOn.get()).isSameAs(io);
    }

    @Test
    @DisplayName("B23: exceptions cross the wrapper unchanged")
    void exceptionsCrossTheWrapperUnchanged_B23() {
        BlockException thrown = new BlockException(Errno.ENOSPC, "full");
        assertThatThrownBy(() -> core.inMain(() -> CoWrappers.mixed(core.scheduler.mainLoop(), () -> {
            throw thrown;
        }))).isSameAs(thrown);
    }

    @Test
    @DisplayName("B24: plain wrapper inside acoroutine is an assertion failure")
    void plainWrapperInsideACoroutineIsAnAssertionFailure_B24() {
        assertThatThrownBy(() -> core.inCoroutine(() -> CoWrappers.wrapper(core.scheduler.mainLoop(), () -> 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("co_wrapper called in a coroutine");
    }

    /**
     * With the nodes in an iothread, so that no choice is right by accident: a node and a child edge choose the
     * iothread, a BlockBackend on the child node too (its requests reach the driver there), anything else the main
     * loop. (A child edge's parent always shares its child's context, so "child node's" and "parent's" cannot differ.)
     * Breaks if: WrapperContext.of returns the main loop for a BlockBackendImpl (or for every argument).
     */
    @Test
    @DisplayName("B25: context is chosen by the first argument")
    void contextIsChosenByTheFirstArgument_B25() throws Exception {
        core.graph.addIothread("io1");
        TestDriver proto = core.driver("proto");
        proto.length = 4096;
        proto.variableLength = true;
        TestDriver fmt = core.driver("fmt");
        fmt.openChildFile = true;
        BlockDriverState top = (BlockDriverState) core.graph.open(null, org.blocklayer.api.graph.BlockOptions.parse(
                "driver=fmt,node-name=top,file.driver=proto,file.node-name=bottom"),
                org.blocklayer.api.graph.OpenFlags.RDWR, "io1");
        EventLoop io = top.aioContext();
        assertThat(io.name()).isEqualTo("io1");
        BdrvChild file = top.file();
        BlockBackend blk = core.graph.attach("bottom", "disk", EnumSet.of(Permission.CONSISTENT_READ),
                Permission.ALL);

        assertThat(WrapperContext.of(top, core.scheduler)).isSameAs(io);
        assertThat(WrapperContext.of(file, core.scheduler)).isSameAs(io);
        assertThat(WrapperContext.of(blk, core.scheduler)).isSameAs(io);
        assertThat(WrapperContext.of("anything else", core.scheduler)).isSameAs(core.scheduler.mainLoop());
        assertThat(WrapperContext.of(null, core.scheduler)).isSameAs(core.scheduler.mainLoop());

        proto.lastGetLengthContext = null;
        blk.pread(0, ByteBuffer.allocate(512));
        assertThat(blk.getLength()).isEqualTo(4096);
        assertThat(proto.lastReadContext).as("the backend's read ran in its node's iothread").isSameAs(io);
        assertThat(proto.lastGetLengthContext).isSameAs(io);
        blk.close();
    }

    @Test
    @DisplayName("B26: rdlock variant holds the read lock in its new coroutine only")
    void rdlockVariantHoldsTheReadLockInItsNewCoroutineOnly_B26() throws Exception {
        long outside = core.inMain(() -> CoWrappers.mixedRdlock(core.scheduler.mainLoop(), core.lock,
                () -> core.lock.readerCount()));
        assertThat(outside).isEqualTo(1);

        long inline = core.inCoroutine(() -> CoWrappers.mixedRdlock(core.scheduler.mainLoop(), core.lock,
                () -> core.lock.readerCount()));
        assertThat(inline).isZero();

        long wrapped = core.inMain(() -> CoWrappers.wrapperRdlock(core.scheduler.mainLoop(), core.lock,
                () -> core.lock.readerCount()));
        assertThat(wrapped).isEqualTo(1);
        assertThat(core.lock.readerCount()).isZero();
    }

    @Test
    @DisplayName("B27: void bodies and bodies that yield complete")
    void voidBodiesAndBodiesThatYieldComplete_B27() throws Exception {
        Object none = core.inMain(() -> CoWrappers.wrapper(core.scheduler.mainLoop(), () -> null));
        assertThat(none).isNull();

        // The body yields to a worker; only the entry's in_progress=false plus kick ends the caller's wait.
        String fromWorker = core.inMain(() -> CoWrappers.wrapper(core.scheduler.mainLoop(), () -> {
            try {
                return core.scheduler.mainLoop().threadPool().run(() -> {
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
                    return Thread.currentThread().getName();
                });
            } catch (java.io.IOException e) {
                throw new BlockException(Errno.EIO, e.toString());
            }
        }));
        assertThat(fromWorker).startsWith("blocklayer-worker-");
    }

    @Test
    void aForeignThreadIsHandedToTheMainLoop() throws Exception {
        AtomicReference<EventLoop> ranOn = new AtomicReference<>();
        CoWrappers.mixed(core.scheduler.mainLoop(), () -> {
            ranOn.set(EventLoop.currentOrNull());
            return null;
        });
        assertThat(ranOn.get()).isSameAs(core.scheduler.mainLoop());
    }

    /**
     * DriverNode.call, a driver's way into its own coroutine functions: from another thread, or from the main loop
     * without the write lock, the body runs holding the graph read lock; from the main loop holding the write lock
     * it runs without taking it (GRAPH_RDLOCK_GUARD_MAINLOOP: a read lock there would wait for the main loop's own
     * writer forever). Breaks if: BlockDriverState.mainLoopWrites answered a constant or skipped its writer check,
     * or call dropped the body's answer.
     */
    @Test
    void aDriversCallTakesTheReadLockUnlessTheMainLoopHoldsTheWriteLock() throws Exception {
        core.driver("test").length = 4096;
        BlockDriverState bs = core.open("driver=test,node-name=n");
        org.blocklayer.api.driver.DriverNode.CoBody<Long> readers = core.lock::readerCount;
        assertThat(bs.call(readers)).as("from another thread").isEqualTo(1);
        assertThat(core.inMain(() -> bs.call(readers))).as("main loop, no writer").isEqualTo(1);
        assertThat(core.inMain(() -> {
            try (org.blocklayer.api.lock.GraphLock.Writer w = core.lock.wrlock()) {
                return bs.call(readers);
            }
        })).as("main loop holding the write lock").isZero();
    }
}
