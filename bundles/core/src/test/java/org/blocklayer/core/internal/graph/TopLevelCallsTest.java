package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Calls from outside threads run one at a time in the main loop, never inside another call's nested wait (QEMU runs
 * monitor commands in a context that AIO_WAIT_WHILE does not poll).
 */
@Timeout(30)
class TopLevelCallsTest {
    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    @Test
    void aCallArrivingWhileAnotherWaitsForReadersRunsAfterItNotInsideIt() throws Exception {
        TestDriver drv = core.driver("test");
        drv.length = 4096;
        EventLoop io = core.scheduler.createIoThread("io");
        CountDownLatch readerHolds = new CountDownLatch(1);
        // The reader holds the lock until the test lets it go, not for a fixed time: the writer must be waiting
        // for it and the open must have arrived in the main loop by then, however slowly threads get scheduled.
        AtomicBoolean letGo = new AtomicBoolean();
        AtomicBoolean readerReleased = new AtomicBoolean();
        io.schedule(() -> io.coEnter(Coroutine.create(() -> {
            try (GraphLock.Reader r = core.lock.coRdlock()) {
                readerHolds.countDown();
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!letGo.get() && System.nanoTime() < giveUp) {
                    Coroutine.sleep(TimeUnit.MILLISECONDS.toNanos(5));
                }
                readerReleased.set(true);
            }
        })));
        assertThat(readerHolds.await(5, TimeUnit.SECONDS)).isTrue();

        CountDownLatch writerWaits = new CountDownLatch(1);
        CompletableFuture<Boolean> writer = CompletableFuture.supplyAsync(() -> {
            try {
                return core.scheduler.callInMainLoop(() -> {
                    // From here the main loop stays in this call until the writer has the lock.
                    writerWaits.countDown();
                    try (GraphLock.Writer w = core.lock.wrlock()) {
                        return readerReleased.get();
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(writerWaits.await(5, TimeUnit.SECONDS)).isTrue();
        // Before the fix this open ran inside the writer's wait for readers and failed with "nested writer".
        CompletableFuture<Long> open = new CompletableFuture<>();
        Thread opener = new Thread(() -> {
            try {
                open.complete(core.graph.open(null, BlockOptions.parse("driver=test,node-name=n"), OpenFlags.RDWR)
                        .getLength());
            } catch (Throwable t) {
                open.completeExceptionally(t);
            }
        }, "opener");
        opener.start();
        // Let the reader go only once the open is queued for the main loop, i.e. while the writer still waits.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!waitsInCallInMainLoop(opener) && !open.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(open).as("the open waits for the writer's call").isNotDone();
        assertThat(writer).isNotDone();
        letGo.set(true);
        assertThat(writer.get(10, TimeUnit.SECONDS)).as("the writer got the lock only after the reader left").isTrue();
        assertThat(open.get(10, TimeUnit.SECONDS)).isEqualTo(4096);
    }

    /** True once {@code t} is parked in {@link org.blocklayer.core.internal.coroutine.Scheduler#callInMainLoop}. */
    private static boolean waitsInCallInMainLoop(Thread t) {
        Thread.State state = t.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
            return false;
        }
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getMethodName().equals("callInMainLoop") && f.getClassName().endsWith(".Scheduler")) {
                return true;
            }
        }
        return false;
    }
}
