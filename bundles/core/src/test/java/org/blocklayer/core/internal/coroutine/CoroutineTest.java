package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** qemu-coroutine.c's rules (B40) and aio_co_enter. */
class CoroutineTest {
    private final Scheduler scheduler = new Scheduler();

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    @Test
    void enterRunsUntilYieldAndEnterAgainResumes() {
        List<String> trace = new ArrayList<>();
        Coroutine co = Coroutine.create(() -> {
            trace.add("a");
            Coroutine.yield_();
            trace.add("b");
        });
        co.enter();
        trace.add("|");
        assertThat(co.isTerminated()).isFalse();
        co.enter();
        assertThat(trace).containsExactly("a", "|", "b");
        assertThat(co.isTerminated()).isTrue();
        assertThat(Coroutine.inCoroutine()).isFalse();
    }

    @Test
    void aNestedCoroutineYieldsBackToTheCoroutineThatEnteredIt() {
        List<String> trace = new ArrayList<>();
        Coroutine inner = Coroutine.create(() -> {
            trace.add("inner1");
            Coroutine.yield_();
            trace.add("inner2");
        });
        Coroutine outer = Coroutine.create(() -> {
            trace.add("outer1");
            inner.enter();
            trace.add("outer2:" + (Coroutine.current() != inner));
            inner.enter();
            trace.add("outer3");
        });
        outer.enter();
        assertThat(trace).containsExactly("outer1", "inner1", "outer2:true", "inner2", "outer3");
    }

    @Test
    @DisplayName("B40: entering arunning or scheduled coroutine or yielding outside one aborts")
    void enteringARunningOrScheduledCoroutineOrYieldingOutsideOneAborts_B40() {
        Coroutine[] self = new Coroutine[1];
        self[0] = Coroutine.create(() -> self[0].enter());
        assertThatThrownBy(self[0]::enter).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("re-entered recursively");

        Coroutine waiting = Coroutine.create(Coroutine::yield_);
        waiting.enter();
        EventLoop io = scheduler.createIoThread("io");
        io.acquire();
        try {
            io.scheduleCoroutine(waiting);
            assertThatThrownBy(() -> io.scheduleCoroutine(waiting)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already scheduled");
            assertThatThrownBy(waiting::enter).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already scheduled");
        } finally {
            io.release();
        }

        assertThatThrownBy(Coroutine::yield_).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("yielding to no one");

        Coroutine finished = Coroutine.create(() -> { });
        finished.enter();
        assertThatThrownBy(finished::enter).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after it terminated");
    }

    @Test
    void anExceptionEscapingTheBodyReachesTheEntererAfterTermination() {
        Coroutine co = Coroutine.create(() -> {
            throw new IllegalArgumentException("boom");
        });
        assertThatThrownBy(co::enter).isInstanceOf(IllegalArgumentException.class).hasMessage("boom");
        assertThat(co.isTerminated()).isTrue();
    }
}
