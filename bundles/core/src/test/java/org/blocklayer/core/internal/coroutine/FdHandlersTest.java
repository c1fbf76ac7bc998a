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
}
