package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract {@link Coroutine} relies on, checked on each backend directly: the suite as a whole runs only the
 * backend this JVM selects (continuations under surefire's first execution and under PIT), so without this class
 * the virtual-thread backend would be exercised only by surefire's second execution and never mutated.
 */
class CoroutineBackendTest {

    /**
     * Both backends where this JVM can run continuations (surefire's first execution, PIT); the virtual-thread one
     * alone where it cannot (the second execution, without the export of jdk.internal.vm, which runs the whole
     * suite on that backend): the continuation cases ran in the first, so they are left out here, not skipped.
     */
    static Stream<String> backends() {
        return ContinuationProbe.whyUnavailable() == null ? Stream.of("continuation", "virtual-thread")
                : Stream.of("virtual-thread");
    }

    private static CoroutineBackend backend(String name) {
        return name.equals("continuation") ? new ContinuationBackend() : new VirtualThreadBackend();
    }

    /** An owner for a stack: only its identity matters to the backend. */
    private static Coroutine owner() {
        return Coroutine.create(() -> { });
    }

    /**
     * Breaks if: resume returned before the body yielded (the virtual-thread handoff's wait on
     * {@code coroutineTurn} dropped), a second resume started the body again instead of continuing it, or
     * isDone answered true before the body ended.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void resumeRunsUntilTheBodySuspendsAndTheNextResumeContinuesIt(String name) {
        CoroutineBackend b = backend(name);
        List<String> trace = new ArrayList<>();
        CoroutineBackend.Stack s = b.create(owner(), () -> {
            trace.add("a");
            b.suspend();
            trace.add("b");
            b.suspend();
            trace.add("c");
        });
        assertThat(s.isDone()).isFalse();
        s.resume();
        trace.add("|");
        assertThat(s.isDone()).isFalse();
        s.resume();
        trace.add("|");
        assertThat(s.isDone()).isFalse();
        s.resume();
        assertThat(trace).containsExactly("a", "|", "b", "|", "c");
        assertThat(s.isDone()).isTrue();
        assertThat(b.name()).isEqualTo(name);
    }

    /** Breaks if: current() answered null inside a body, the outer owner inside a nested one, or an owner outside. */
    @ParameterizedTest
    @MethodSource("backends")
    void currentIsTheOwnerOfTheInnermostBodyAndNullOutside(String name) {
        CoroutineBackend b = backend(name);
        Coroutine outerOwner = owner();
        Coroutine innerOwner = owner();
        List<Object> seen = new ArrayList<>();
        CoroutineBackend.Stack inner = b.create(innerOwner, () -> {
            seen.add(b.current());
            b.suspend();
            seen.add(b.current());
        });
        CoroutineBackend.Stack outer = b.create(outerOwner, () -> {
            seen.add(b.current());
            inner.resume();
            seen.add(b.current());
            inner.resume();
            seen.add(b.current());
        });
        assertThat(b.current()).isNull();
        outer.resume();
        assertThat(seen).containsExactly(outerOwner, innerOwner, outerOwner, innerOwner, outerOwner);
        assertThat(b.current()).isNull();
        assertThat(inner.isDone()).isTrue();
        assertThat(outer.isDone()).isTrue();
    }

    /** Breaks if: suspend outside a body did something other than refuse (QEMU aborts). */
    @ParameterizedTest
    @MethodSource("backends")
    void suspendingOutsideABodyIsRefused(String name) {
        CoroutineBackend b = backend(name);
        assertThatThrownBy(b::suspend).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("yielding to no one");
    }

    /**
     * A throwable that escapes the body comes out of the resume that ran it, checked ones included, and only once
     * the body has ended. Breaks if: the virtual-thread backend swallowed what escaped (its rethrow after the
     * handoff dropped) or threw it before marking the stack done.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void whatEscapesTheBodyIsThrownByResumeOnceTheBodyHasEnded(String name) {
        CoroutineBackend b = backend(name);
        IOException boom = new IOException("boom");
        CoroutineBackend.Stack s = b.create(owner(), () -> {
            b.suspend();
            throw sneaky(boom);
        });
        s.resume();
        assertThat(s.isDone()).isFalse();
        assertThatThrownBy(s::resume).isSameAs(boom);
        assertThat(s.isDone()).isTrue();
        assertThat(b.current()).isNull();
    }

    /**
     * Logically a virtual-thread coroutine runs on the thread that resumed it (its context's home thread), nested
     * ones too, so lock ownership and "am I in the home thread" checks see that thread. Breaks if: Strand.current()
     * answered the coroutine's virtual thread, or a nested coroutine's logical thread were its resumer's virtual
     * thread instead of the platform thread below both.
     */
    @Test
    void aVirtualThreadCoroutineRunsLogicallyOnTheThreadThatResumedIt() {
        CoroutineBackend b = new VirtualThreadBackend();
        Thread me = Thread.currentThread();
        List<Thread> seen = new ArrayList<>();
        CoroutineBackend.Stack inner = b.create(owner(), () -> {
            seen.add(Strand.current());
            b.suspend();
            seen.add(Strand.current());
        });
        CoroutineBackend.Stack outer = b.create(owner(), () -> {
            seen.add(Strand.current());
            inner.resume();
        });
        outer.resume();
        assertThat(seen).containsExactly(me, me);
        assertThat(Strand.current()).isSameAs(me);

        AtomicReference<Thread> other = new AtomicReference<>();
        Thread resumer = Thread.ofPlatform().unstarted(() -> {
            inner.resume();
            other.set(Thread.currentThread());
        });
        resumer.start();
        join(resumer);
        assertThat(seen).containsExactly(me, me, other.get());
    }

    /** Breaks if: Strand.current() in a virtual thread that is no coroutine answered anything but that thread. */
    @Test
    void aPlainVirtualThreadIsItsOwnLogicalThread() {
        AtomicReference<Thread> seen = new AtomicReference<>();
        Thread v = Thread.ofVirtual().unstarted(() -> seen.set(Strand.current()));
        v.start();
        join(v);
        assertThat(seen.get()).isSameAs(v);
    }

    /**
     * What {@code blocklayer.coroutine.backend} and the probe decide together, and the warning that goes with the
     * fallback (said only when the slow backend was not asked for). Breaks if: select ignored the property, forced
     * continuations where the JVM cannot run them, fell back when continuations were usable, or took an unknown
     * value for the default; or fallbackWarning spoke when nothing fell back.
     */
    @Test
    void theBackendFollowsThePropertyThenTheProbeAndOnlyAFallbackIsWarnedAbout() {
        String closed = "package jdk.internal.vm is not exported to unnamed module";
        assertThat(CoroutineBackend.select("virtual", null)).isInstanceOf(VirtualThreadBackend.class);
        assertThat(CoroutineBackend.select("virtual", closed)).isInstanceOf(VirtualThreadBackend.class);
        assertThat(CoroutineBackend.select("", closed)).isInstanceOf(VirtualThreadBackend.class);
        assertThatThrownBy(() -> CoroutineBackend.select("continuation", closed))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("blocklayer.coroutine.backend=continuation, but " + closed);
        assertThatThrownBy(() -> CoroutineBackend.select("fibers", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not 'fibers'");
        if (ContinuationProbe.whyUnavailable() == null) {
            assertThat(CoroutineBackend.select("continuation", null)).isInstanceOf(ContinuationBackend.class);
            assertThat(CoroutineBackend.select("", null)).isInstanceOf(ContinuationBackend.class);
        }

        assertThat(CoroutineBackend.fallbackWarning("", closed)).startsWith("coroutines run on virtual threads")
                .contains(closed).contains("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED");
        assertThat(CoroutineBackend.fallbackWarning("", null)).isNull();
        assertThat(CoroutineBackend.fallbackWarning("virtual", closed)).isNull();
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
