package org.blocklayer.core.internal.coroutine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

import org.blocklayer.api.annotation.CoroutineFn;

/**
 * A stackful coroutine ({@code Coroutine}, util/qemu-coroutine.c): runs on the thread that enters it, until it
 * yields back to whoever entered it or terminates. Misuse aborts as in QEMU (B40): entering a coroutine that is
 * running or already scheduled, or yielding outside a coroutine, throws {@link IllegalStateException}.
 */
public final class Coroutine {
    private static final CoroutineBackend BACKEND = CoroutineBackend.select();
    private static final VarHandle SCHEDULED;

    static {
        try {
            SCHEDULED = MethodHandles.lookup().findVarHandle(Coroutine.class, "scheduled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** System property that turns on {@link #created()} and {@link #ended()}. */
    public static final String COUNT_PROPERTY = "blocklayer.coroutine.count";
    /**
     * Whether every coroutine of the process is counted as it is created and as it ends ({@link #created()},
     * {@link #ended()}): off unless {@value #COUNT_PROPERTY} is true when the class loads (the stress run sets it),
     * so the JIT drops the counting from everyone else's path.
     */
    private static final boolean COUNTING = Boolean.getBoolean(COUNT_PROPERTY);
    private static final LongAdder CREATED = new LongAdder();
    private static final LongAdder ENDED = new LongAdder();

    private final CoroutineBackend.Stack stack;
    /** Set by {@link #markScheduled()} (compare-and-set through {@link #SCHEDULED}), cleared on the scheduled entry. */
    private volatile boolean scheduled;
    private EventLoop context;
    private boolean running;
    /** CoMutex/CoRwLock holds ({@code co->locks_held}): a coroutine may not terminate holding one (B40). */
    private int locksHeld;

    /**
     * The body goes to the backend as it is: who runs (current) is the backend's to know, and what escapes the body
     * comes out of {@code resume}, so a coroutine is two objects (itself and its stack) until it first yields.
     */
    private Coroutine(Runnable body) {
        this.stack = BACKEND.create(this, body);
        if (COUNTING) {
            CREATED.increment();
        }
    }

    /** {@code qemu_coroutine_create}: a coroutine that will run {@code body} when first entered. */
    public static Coroutine create(Runnable body) {
        return new Coroutine(body);
    }

    /** {@code qemu_coroutine_self}: the running coroutine, or null outside one. */
    public static Coroutine current() {
        return BACKEND.current();
    }

    /** {@code qemu_in_coroutine}. */
    public static boolean inCoroutine() {
        return BACKEND.current() != null;
    }

    /** Coroutines created in this process, co-wrappers' and drains' too; 0 unless {@value #COUNT_PROPERTY} is on. */
    public static long created() {
        return CREATED.sum();
    }

    /** Coroutines of this process whose body has ended; 0 unless {@value #COUNT_PROPERTY} is on. */
    public static long ended() {
        return ENDED.sum();
    }

    /** The backend in use, for logs and benchmarks. */
    public static String backendName() {
        return BACKEND.name();
    }

    /**
     * {@code qemu_coroutine_enter}: runs this coroutine on the calling thread until it yields or terminates. A
     * throwable that escaped the body is rethrown here, after the coroutine has terminated.
     */
    public void enter() {
        enterIn(EventLoop.currentOrNull());
    }

    /** {@code qemu_aio_coroutine_enter}: as {@link #enter()}, recording {@code ctx} as the coroutine's context. */
    void enterIn(EventLoop ctx) {
        if (running) {
            throw new IllegalStateException("Co-routine re-entered recursively");
        }
        if (stack.isDone()) {
            throw new IllegalStateException("Co-routine entered after it terminated");
        }
        if (scheduled) {
            throw new IllegalStateException("Co-routine was already scheduled in '"
                    + (context == null ? "?" : context.name()) + "'");
        }
        runOnce(ctx);
    }

    /** Entry from the bottom half that {@link EventLoop#scheduleCoroutine} queued: clears the scheduled mark. */
    void enterScheduled(EventLoop ctx) {
        scheduled = false;
        if (running) {
            throw new IllegalStateException("Co-routine re-entered recursively");
        }
        runOnce(ctx);
    }

    private void runOnce(EventLoop ctx) {
        context = ctx;
        running = true;
        Throwable escaped = null;
        try {
            stack.resume();
        } catch (Throwable t) {
            escaped = t;
        } finally {
            running = false;
        }
        if (stack.isDone()) {
            terminated(escaped);
        } else if (escaped != null) {
            sneakyThrow(escaped); // from the switch itself, the body still suspended
        }
    }

    /** After the body ended: the lock check of {@code qemu_coroutine_delete}'s caller, then what escaped it. */
    private void terminated(Throwable escaped) {
        if (COUNTING) {
            ENDED.increment();
        }
        if (escaped == null && locksHeld != 0) {
            escaped = new IllegalStateException("Co-routine terminated while holding " + locksHeld + " lock(s)");
        }
        if (escaped != null) {
            sneakyThrow(escaped);
        }
    }

    /** {@code qemu_coroutine_yield}: suspends the running coroutine; returns when it is entered again. */
    @CoroutineFn
    public static void yield_() {
        BACKEND.suspend();
    }

    /**
     * {@code qemu_co_sleep_ns}: yields for at least {@code nanos}, then resumes in the coroutine's context.
     */
    @CoroutineFn
    public static void sleep(long nanos) {
        Coroutine self = CoQueue.requireCoroutine("qemu_co_sleep_ns");
        EventLoop ctx = self.context();
        ctx.after(nanos, () -> ctx.wake(self));
        yield_();
    }

    void locksHeld(int delta) {
        locksHeld += delta;
    }

    /** Marks this coroutine scheduled; false when it already was ({@code aio_co_schedule}'s abort, B40). */
    boolean markScheduled() {
        return SCHEDULED.compareAndSet(this, false, true);
    }

    /** The context the coroutine last ran in ({@code co->ctx}), or null before its first entry. */
    public EventLoop context() {
        return context;
    }

    public boolean isTerminated() {
        return stack.isDone();
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
