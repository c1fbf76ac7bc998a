package org.blocklayer.core.internal.coroutine;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.core.internal.log.CoreLog;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The coroutine scheduler service: owns the main loop (QEMU's main loop with its {@code qemu_aio_context}), the
 * worker pool and the wait/kick machinery. Threads outside every event loop reach block-layer code through
 * {@link #callInMainLoop}, as QMP commands do in QEMU.
 */
@Component(service = {CoroutineScheduler.class, EventLoops.class})
public final class Scheduler implements CoroutineScheduler, EventLoops {
    /**
     * The OSGi Logger while a Log Service runs. Dynamic and optional: a Log Service that comes, goes or is updated
     * must never restart the scheduler, which would take every node with it.
     */
    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC)
    private volatile Logger logger;
    private final CoreLog log = new CoreLog(() -> logger, "org.blocklayer.core");

    private final AioContexts contexts;
    private final EventLoop mainLoop;
    private final WorkerPool workers = new WorkerPool();
    private final AioWait aioWait = new AioWait(this);

    /** Default for how long a context may stay away from its loop before the watchdog reports it (X5). */
    public static final long DEFAULT_WATCHDOG_MILLIS = 5000;

    private final Watchdog watchdog;

    @Activate
    public Scheduler() {
        this(Long.getLong("blocklayer.watchdog.ms", DEFAULT_WATCHDOG_MILLIS));
    }

    /** A scheduler whose watchdog reports a context stuck for more than {@code watchdogMillis}. */
    public Scheduler(long watchdogMillis) {
        contexts = new AioContexts(this);
        mainLoop = contexts.main();
        watchdog = new Watchdog(this, watchdogMillis, log);
    }

    /** Under DS, once the Logger is bound: which coroutine backend runs, and why when it is the slow one. */
    @Activate
    void activated() {
        log.debug("coroutine backend: {}", Coroutine.backendName());
        String fallback = CoroutineBackend.fallbackWarning();
        if (fallback != null) {
            log.warn(fallback);
        }
    }

    /** Stalls the watchdog has reported (X5). */
    public long watchdogStalls() {
        return watchdog.stalls();
    }

    @Deactivate
    public void close() {
        watchdog.stop();
        contexts.stopAll();
        workers.shutdown();
    }

    @Override
    public EventLoop mainLoop() {
        return mainLoop;
    }

    @Override
    public AioContext mainContext() {
        return mainLoop;
    }

    @Override
    public AioContext currentContext() {
        EventLoop here = EventLoop.currentOrNull();
        return here != null ? here : mainLoop;
    }

    @Override
    public boolean inCoroutine() {
        return Coroutine.inCoroutine();
    }

    @Override
    public List<EventLoop> contexts() {
        return contexts.all();
    }

    @Override
    public EventLoop createIoThread(String name) {
        return contexts.createIoThread(name, this);
    }

    @Override
    public void destroyIoThread(EventLoop ctx) {
        contexts.destroyIoThread(ctx);
    }

    @Override
    public ReaderCount orphanedReaders() {
        return contexts.orphanedReaders();
    }

    @Override
    public AioWait aioWait() {
        return aioWait;
    }

    WorkerPool workers() {
        return workers;
    }

    @Override
    public boolean inMainThread() {
        return mainLoop.isCurrent();
    }

    @Override
    public void assertMainLoop(String what) {
        if (!mainLoop.isCurrent()) {
            throw new IllegalStateException(what + " is global-state code: it runs only in the main loop, not in "
                    + Thread.currentThread().getName());
        }
    }

    @Override
    public <T> T callInMainLoop(Callable<T> work) throws Exception {
        if (mainLoop.isCurrent()) {
            return work.call();
        }
        if (Coroutine.inCoroutine()) {
            throw new IllegalStateException("callInMainLoop from a coroutine would block its context's thread");
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        // At the top level only: a call must never run inside another call's nested wait.
        mainLoop.scheduleTopLevel(() -> {
            try {
                answer.complete(work.call());
            } catch (Throwable t) {
                answer.completeExceptionally(t);
            }
        });
        try {
            return answer.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    @Override
    public <T> T inMainLoop(CoFn<T> work) throws BlockException {
        try {
            return callInMainLoop(work::call);
        } catch (BlockException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            // The caller gave up (Ctrl-C in the shell); work already handed over still runs to its end.
            Thread.currentThread().interrupt();
            throw new BlockException(Errno.ECANCELED, "interrupted while waiting for the main loop");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Needs nothing of {@code ctx} but the AioContext interface: at once when the caller is that context's thread
     * outside a coroutine, else from a bottom half there; either way {@code aio_co_enter} in the loop of the thread
     * that runs it ({@code qemu_get_current_aio_context}), which takes that context's lock.
     */
    @Override
    public void start(AioContext ctx, Runnable body) {
        Coroutine co = Coroutine.create(body);
        if (ctx.isCurrent() && !Coroutine.inCoroutine()) {
            loopHere().coEnter(co);
        } else {
            ctx.schedule(() -> loopHere().coEnter(co));
        }
    }

    /** {@code co_wrapper_mixed} for code outside core: {@link CoWrappers#mixed} in the loop that is {@code ctx}. */
    @Override
    public <T> T coWrapperMixed(AioContext ctx, org.blocklayer.api.coroutine.CoFunction<T> body)
            throws BlockException {
        return CoWrappers.mixed(loopOf(ctx), body::call);
    }

    /** The event loop behind {@code ctx}: itself, or (a stand-in for one) the loop of the same name. */
    private EventLoop loopOf(AioContext ctx) {
        if (ctx instanceof EventLoop loop) {
            return loop;
        }
        EventLoop loop = contexts.named(ctx.name());
        if (loop == null) {
            throw new IllegalArgumentException("no event loop named '" + ctx.name() + "'");
        }
        return loop;
    }

    /** {@code qemu_get_current_aio_context} where there must be one: fails on a thread no event loop owns. */
    private static EventLoop loopHere() {
        EventLoop here = EventLoop.currentOrNull();
        if (here == null) {
            throw new IllegalStateException(Thread.currentThread() + " is no blocklayer event loop's thread");
        }
        return here;
    }

    @Override
    @CoroutineFn
    public org.blocklayer.api.coroutine.Wakeup self() {
        Coroutine co = CoQueue.requireCoroutine("qemu_coroutine_self");
        return () -> co.context().wake(co);
    }

    @Override
    @CoroutineFn
    public void yieldNow() {
        Coroutine.yield_();
    }

    @Override
    @CoroutineFn
    public void sleep(long nanos) {
        Coroutine.sleep(nanos);
    }

    @Override
    public CoMutex newMutex() {
        return new CoMutex();
    }

    @Override
    public CoQueue newQueue() {
        return new CoQueue();
    }

    void reportUncaught(EventLoop loop, Throwable t) {
        log.error("uncaught exception in {}", loop, t);
    }
}
