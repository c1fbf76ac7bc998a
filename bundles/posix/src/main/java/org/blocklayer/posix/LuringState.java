package org.blocklayer.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.coroutine.PollHandler;
import org.blocklayer.api.coroutine.Wakeup;
import org.blocklayer.posix.internal.Libc;
import org.blocklayer.posix.internal.Ring;
import org.blocklayer.posix.internal.Syscall;
import org.blocklayer.posix.internal.UringAbi;
import org.blocklayer.posix.internal.UringCalls;

/**
 * QEMU's {@code LuringState} (block/io_uring.c): the io_uring ring of one AioContext, polled by that context's loop.
 * Requests queued during an iteration are submitted together in {@link #poll()} ({@code aio_add_sqe}'s batching);
 * completions the kernel posted at once (page-cache hits) are reaped in the same call and re-enter their coroutines
 * without any thread handoff. Only when the loop is about to sleep with requests in flight does the ring's eventfd
 * get armed: a small waker thread reads it and kicks the loop, since a Java selector cannot watch a raw fd.
 */
final class LuringState implements PollHandler {
    /** SQ entries per ring: far above what one context has in flight in practice; more wait for a slot. */
    static final int ENTRIES = 256;
    private static final Map<AioContext, LuringState> BY_CONTEXT = new ConcurrentHashMap<>();
    private static final Runnable KICK = () -> { };

    private final AioContext ctx;
    private final Ring ring;
    private final int eventfd;
    private final Thread waker;
    private final Request[] slots = new Request[ENTRIES];
    private final int[] free = new int[ENTRIES];
    private int freeCount = ENTRIES;
    private final ArrayDeque<Wakeup> waitingForSlot = new ArrayDeque<>();
    private int inFlight;
    private boolean armed;
    private volatile boolean ended;

    private LuringState(AioContext ctx, Ring ring, int eventfd) {
        this.ctx = ctx;
        this.ring = ring;
        this.eventfd = eventfd;
        for (int i = 0; i < ENTRIES; i++) {
            free[i] = ENTRIES - 1 - i;
        }
        ring.eventfdDisabled(true);
        this.waker = Thread.ofPlatform().daemon().name("blocklayer-io_uring-" + ctx.name()).unstarted(this::wake);
    }

    /**
     * {@code aio_setup_linux_io_uring}: the ring of {@code ctx}, made on its first use. Home thread only.
     *
     * @throws PosixException {@code failed to init linux io_uring ring: ...} with the errno that forbade it
     * @throws UnsupportedOperationException when {@code ctx} runs no event loop to poll a ring in (a test double)
     */
    static LuringState of(AioContext ctx) throws PosixException {
        LuringState s = BY_CONTEXT.get(ctx);
        if (s != null) {
            return s;
        }
        Ring ring = Ring.setup(ENTRIES);
        int efd;
        try (Syscall call = new Syscall()) {
            efd = UringCalls.eventfd(call.capture(), 0, UringCalls.EFD_CLOEXEC);
            if (efd < 0) {
                int errno = call.errno();
                ring.close();
                throw new PosixException(errno, "failed to init linux io_uring ring: eventfd: "
                        + PosixException.strerror(errno));
            }
        }
        try {
            ring.registerEventfd(efd);
            s = new LuringState(ctx, ring, efd);
            ctx.addPollHandler(s);
        } catch (PosixException | RuntimeException e) {
            ring.close();
            closeFd(efd);
            throw e;
        }
        s.waker.start();
        BY_CONTEXT.put(ctx, s);
        return s;
    }

    /** The ring of {@code ctx} if one was made there, else null. */
    static LuringState existing(AioContext ctx) {
        return BY_CONTEXT.get(ctx);
    }

    /**
     * {@code luring_co_submit}: queues one SQE, yields until its completion, returns its {@code res} (a byte count,
     * or -errno). The request goes to the kernel at the end of this loop iteration, with the others queued in it.
     */
    @CoroutineFn
    int submit(int op, int fd, long addr, int len, long offset) {
        CoroutineScheduler scheduler = ctx.scheduler();
        while (freeCount == 0 || ring.freeSqes() == 0) {
            if (freeCount > 0 && ring.pending() > 0 && ring.submit() > 0) {
                continue;
            }
            waitingForSlot.add(scheduler.self());
            scheduler.yieldNow();
        }
        int slot = free[--freeCount];
        Request r = new Request(scheduler.self());
        slots[slot] = r;
        inFlight++;
        if (op == UringAbi.OP_FSYNC) {
            ring.prepFsync(fd, UringAbi.FSYNC_DATASYNC, slot);
        } else {
            ring.prepRw(op, fd, addr, len, offset, slot);
        }
        scheduler.yieldNow();
        return r.res;
    }

    @Override
    public boolean poll() {
        if (ring.pending() > 0) {
            // EINTR, EAGAIN and EBUSY leave the SQEs queued: the next iteration submits them again.
            ring.submit();
        }
        return inFlight > 0 && ring.hasCompletions() && ring.reap(this::complete) > 0;
    }

    private void complete(long userData, int res) {
        int slot = (int) userData;
        Request r = slots[slot];
        slots[slot] = null;
        free[freeCount++] = slot;
        inFlight--;
        r.res = res;
        r.wakeup.wake();
        Wakeup next = waitingForSlot.poll();
        if (next != null) {
            next.wake();
        }
    }

    @Override
    public boolean prepareSleep() {
        if (inFlight == 0) {
            return true;
        }
        if (ring.pending() > 0) {
            return false;
        }
        ring.eventfdDisabled(false);
        armed = true;
        return !ring.hasCompletions();
    }

    @Override
    public void wokeUp() {
        if (armed) {
            armed = false;
            ring.eventfdDisabled(true);
        }
    }

    /** {@code aio_context_destroy}'s {@code luring_cleanup}: waits for what is in flight, then frees the ring. */
    @Override
    public void contextEnded() {
        BY_CONTEXT.remove(ctx, this);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (inFlight > 0 && System.nanoTime() < deadline) {
            ring.submit();
            if (!ring.hasCompletions() && ring.waitForCompletion() < 0) {
                break;
            }
            ring.reap(this::complete);
        }
        ended = true;
        signal(eventfd);
        try {
            waker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ring.close();
        closeFd(eventfd);
    }

    /** The waker thread: each eventfd count while the loop sleeps becomes a kick of the loop. */
    private void wake() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(Libc.CAPTURE_LAYOUT);
            MemorySegment count = arena.allocate(ValueLayout.JAVA_LONG);
            while (!ended) {
                long n = UringCalls.read(capture, eventfd, count, 8);
                if (ended) {
                    return;
                }
                if (n == 8) {
                    ctx.schedule(KICK);
                } else if (Libc.errno(capture) != 4) {
                    return;
                }
            }
        }
    }

    private static void signal(int fd) {
        try (Syscall call = new Syscall()) {
            MemorySegment one = call.arena().allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            UringCalls.write(call.capture(), fd, one, 8);
        }
    }

    private static void closeFd(int fd) {
        try (Syscall call = new Syscall()) {
            Libc.close(call.capture(), fd);
        }
    }

    /** QEMU's {@code LuringAIOCB}: the coroutine waiting for one SQE and the result it gets. */
    private static final class Request {
        final Wakeup wakeup;
        int res;

        Request(Wakeup wakeup) {
            this.wakeup = wakeup;
        }
    }
}
