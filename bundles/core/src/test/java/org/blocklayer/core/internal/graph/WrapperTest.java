package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
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

    @Test
    @DisplayName("B22: mixed inside acoroutine runs inline in the same coroutine")
    void mixedInsideACoroutineRunsInlineInTheSameCoroutine_B22() throws Exception {
        AtomicReference<Coroutine> inner = new AtomicReference<>();
        Coroutine outer = core.inCoroutine(() -> {
            CoWrappers.mixed(core.scheduler.mainLoop(), () -> {
                inner.set(Coroutine.current());
                return null;
            });
            return Coroutine.current();
        });
        assertThat(inner.get()).isNotNull().isSameAs(outer);
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

    @Test
    @DisplayName("B25: context is chosen by the first argument")
    void contextIsChosenByTheFirstArgument_B25() throws Exception {
        EventLoop io = core.scheduler.createIoThread("io1");
        TestDriver proto = core.driver("proto");
        TestDriver fmt = core.driver("fmt");
        fmt.openChildFile = true;
        BlockDriverState top = core.open("driver=fmt,node-name=top,file.driver=proto");
        BdrvChild file = top.file();

        assertThat(WrapperContext.of(top, core.scheduler)).isSameAs(top.aioContext());
        assertThat(WrapperContext.of(file, core.scheduler)).isSameAs(file.node().aioContext());
        assertThat(WrapperContext.of("anything else", core.scheduler)).isSameAs(core.scheduler.mainLoop());
        assertThat(WrapperContext.of(null, core.scheduler)).isSameAs(core.scheduler.mainLoop());
        assertThat(io).isNotSameAs(core.scheduler.mainLoop());
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
}
