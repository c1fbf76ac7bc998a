package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
        io.schedule(() -> io.coEnter(Coroutine.create(() -> {
            try (GraphLock.Reader r = core.lock.coRdlock()) {
                readerHolds.countDown();
                Coroutine.sleep(TimeUnit.MILLISECONDS.toNanos(500));
            }
        })));
        assertThat(readerHolds.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
            try {
                return core.scheduler.callInMainLoop(() -> {
                    long t0 = System.nanoTime();
                    try (GraphLock.Writer w = core.lock.wrlock()) {
                        return System.nanoTime() - t0;
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        // Before the fix this open ran inside the writer's wait for readers and failed with "nested writer".
        var node = core.graph.open(null, BlockOptions.parse("driver=test,node-name=n"), OpenFlags.RDWR);
        assertThat(node.getLength()).isEqualTo(4096);
        assertThat(writer.get(10, TimeUnit.SECONDS)).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(200));
    }
}
