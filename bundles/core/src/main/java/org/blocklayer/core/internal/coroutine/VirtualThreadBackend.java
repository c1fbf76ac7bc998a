package org.blocklayer.core.internal.coroutine;

import java.util.concurrent.locks.LockSupport;

/**
 * Coroutines on virtual threads, for containers that cannot open {@code jdk.internal.vm}: each coroutine is a
 * virtual thread that runs only while the thread that entered it waits, so exactly one of the two runs at any time
 * and a context still runs one coroutine at a time. Each switch is a park/unpark handoff, far dearer than a
 * continuation switch, which is why this backend is the fallback.
 */
final class VirtualThreadBackend implements CoroutineBackend {
    /** The stack a virtual thread runs, so {@link #suspend()} and {@link Strand} can find it. */
    private static final ThreadLocal<VtStack> STACK = new ThreadLocal<>();

    static Thread logicalThreadOf(Thread virtual) {
        VtStack s = STACK.get();
        return s == null ? null : s.logical;
    }

    @Override
    public Stack create(Coroutine owner, Runnable body) {
        return new VtStack(owner, body);
    }

    /** Each body runs on a virtual thread of its own, so the stack of that thread names the coroutine. */
    @Override
    public Coroutine current() {
        VtStack s = STACK.get();
        return s == null ? null : s.owner;
    }

    @Override
    public void suspend() {
        VtStack s = STACK.get();
        if (s == null) {
            throw new IllegalStateException("Co-routine is yielding to no one");
        }
        s.handBack();
    }

    @Override
    public String name() {
        return "virtual-thread";
    }

    private static final class VtStack implements Stack {
        private final Coroutine owner;
        private final Runnable body;
        private Thread vthread;
        private volatile Thread resumer;
        /** The logical thread of whoever resumed us: the context's home thread, usually. */
        private volatile Thread logical;
        /** True while the coroutine has the turn; the resumer waits until it is false again. */
        private volatile boolean coroutineTurn;
        private volatile boolean done;
        /** What escaped the body, for {@link #resume()} to throw in the resumer (written before {@code done}). */
        private Throwable escaped;

        VtStack(Coroutine owner, Runnable body) {
            this.owner = owner;
            this.body = body;
        }

        @Override
        public void resume() {
            resumer = Thread.currentThread();
            logical = Strand.current();
            coroutineTurn = true;
            if (vthread == null) {
                vthread = Thread.ofVirtual().name("blocklayer-coroutine").unstarted(this::run);
                vthread.start();
            } else {
                LockSupport.unpark(vthread);
            }
            while (coroutineTurn) {
                LockSupport.park(this);
            }
            if (done && escaped != null) {
                Throwable t = escaped;
                escaped = null;
                throw VtStack.<RuntimeException>sneaky(t);
            }
        }

        private void run() {
            STACK.set(this);
            try {
                body.run();
            } catch (Throwable t) {
                escaped = t;
            } finally {
                done = true;
                coroutineTurn = false;
                LockSupport.unpark(resumer);
            }
        }

        /** In the virtual thread: gives the turn back and waits for the next resume. */
        void handBack() {
            Thread waiting = resumer;
            coroutineTurn = false;
            LockSupport.unpark(waiting);
            while (!coroutineTurn) {
                LockSupport.park(this);
            }
        }

        @Override
        public boolean isDone() {
            return done;
        }

        /** Throws {@code t} as it was thrown in the body, checked or not (a continuation's run does the same). */
        @SuppressWarnings("unchecked")
        private static <T extends Throwable> T sneaky(Throwable t) throws T {
            throw (T) t;
        }
    }
}
