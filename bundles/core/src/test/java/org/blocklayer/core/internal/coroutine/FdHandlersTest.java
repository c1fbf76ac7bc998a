package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.coroutine.FdWatch;
import org.junit.jupiter.api.Test;

/** The fd handlers of one context (aio_set_fd_handler over an NIO selector). */
class FdHandlersTest {

    /**
     * A channel whose watch is removed and added again before the context polls (an export's socket moving to
     * another context and straight back): the selector still holds the cancelled key, which the JDK refuses to
     * register over; the handler must register anyway and see the channel ready. Breaks if: add() registers without
     * flushing the cancelled key (CancelledKeyException).
     */
    @Test
    void aWatchRemovedAndAddedAgainBeforeAPollStillSeesTheChannel() throws Exception {
        FdHandlers fds = new FdHandlers("test");
        Pipe pipe = Pipe.open();
        try {
            pipe.source().configureBlocking(false);
            AtomicInteger first = new AtomicInteger();
            AtomicInteger again = new AtomicInteger();
            FdWatch w = fds.add(pipe.source(), first::incrementAndGet, null);
            w.remove();

            FdWatch back = fds.add(pipe.source(), again::incrementAndGet, null);
            pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));

            assertThat(fds.poll(TimeUnit.SECONDS.toNanos(10))).isTrue();
            assertThat(again).hasValue(1);
            assertThat(first).hasValue(0);
            back.remove();
        } finally {
            pipe.source().close();
            pipe.sink().close();
            fds.close();
        }
    }

    /**
     * Each poll dispatches what is ready now, once: a handler that drained its channel is not run again, one whose
     * callbacks were set to none is not run, a writable channel runs its write callback, and a removed watch
     * nothing. All with poll(0), which never waits. Breaks if: FdHandlers.poll kept a dispatched key selected
     * ({@code it.remove()} dropped: the handler runs again on stale readiness), FdWatch.set did not update the
     * interest, dispatch skipped or misrouted the write callback, or remove did not cancel the key.
     */
    @Test
    void eachPollDispatchesWhatIsReadyNowOnce() throws Exception {
        FdHandlers fds = new FdHandlers("test");
        Pipe pipe = Pipe.open();
        try {
            pipe.source().configureBlocking(false);
            pipe.sink().configureBlocking(false);
            AtomicInteger reads = new AtomicInteger();
            FdWatch in = fds.add(pipe.source(), () -> {
                reads.incrementAndGet();
                try {
                    pipe.source().read(ByteBuffer.allocate(16));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, null);
            assertThat(fds.poll(0)).isFalse();
            pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
            assertThat(fds.poll(0)).isTrue();
            assertThat(fds.poll(0)).as("drained: nothing ready").isFalse();
            assertThat(reads).hasValue(1);

            in.set(null, null);
            pipe.sink().write(ByteBuffer.wrap(new byte[] {2}));
            assertThat(fds.poll(0)).isFalse();
            assertThat(reads).hasValue(1);
            in.remove();

            AtomicInteger writes = new AtomicInteger();
            FdWatch out = fds.add(pipe.sink(), null, writes::incrementAndGet);
            assertThat(fds.poll(0)).isTrue();
            assertThat(writes).hasValue(1);
            out.remove();
            assertThat(fds.poll(0)).isFalse();
            assertThat(writes).hasValue(1);
        } finally {
            pipe.source().close();
            pipe.sink().close();
            fds.close();
        }
    }
}
