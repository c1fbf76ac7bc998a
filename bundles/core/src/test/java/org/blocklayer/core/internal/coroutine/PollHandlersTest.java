package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.coroutine.PollHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The event loop's poll handlers (aio_set_fd_handler's io_poll with io_poll_begin/end), what an io_uring ring rides
 * on: polled every iteration, the loop does not sleep while one makes progress or says it has work, arming and
 * disarming bracket every sleep, and the context's end reaches each handler once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PollHandlersTest {
    private final Scheduler scheduler = new Scheduler();
    private final EventLoop io = scheduler.createIoThread("poll-io");

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    /** A handler that records its calls and answers as told. */
    private static final class Recorder implements PollHandler {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final AtomicInteger progressLeft = new AtomicInteger();
        volatile boolean workBeforeSleep;
        final CountDownLatch armed = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);

        @Override
        public boolean poll() {
            calls.add("poll");
            return progressLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        }

        @Override
        public boolean prepareSleep() {
            calls.add("prepare");
            if (workBeforeSleep) {
                workBeforeSleep = false;
                return false;
            }
            armed.countDown();
            return true;
        }

        @Override
        public void wokeUp() {
            calls.add("woke");
        }

        @Override
        public void contextEnded() {
            calls.add("ended");
            ended.countDown();
        }
    }

    private void onIo(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        io.schedule(() -> {
            try {
                r.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aHandlerIsPolledUntilItHasNothingAndArmedBeforeTheLoopSleepsThenDisarmedOnWaking() throws Exception {
        Recorder h = new Recorder();
        h.progressLeft.set(3);
        onIo(() -> io.addPollHandler(h));
        assertThat(h.armed.await(10, TimeUnit.SECONDS)).as("armed before a sleep").isTrue();
        // Progress three times: three polls that answered true came before the first sleep was prepared.
        // Copies: the loop keeps polling (and recording) while the test reads, and a CopyOnWriteArrayList's
        // subList fails once the list changed under it.
        List<String> armedAt = List.copyOf(h.calls);
        assertThat(armedAt.subList(0, armedAt.indexOf("prepare"))).filteredOn("poll"::equals).hasSizeGreaterThan(3);
        int before = h.calls.size();
        io.schedule(() -> { });
        onIo(() -> { });
        List<String> woken = List.copyOf(h.calls);
        List<String> after = woken.subList(before, woken.size());
        assertThat(after).as("a kick wakes the sleep: disarmed, then polled again").containsSubsequence("woke", "poll");
    }

    @Test
    void workFoundWhileArmingKeepsTheLoopAwakeAndDisarmsIt() throws Exception {
        Recorder h = new Recorder();
        h.workBeforeSleep = true;
        onIo(() -> io.addPollHandler(h));
        assertThat(h.armed.await(10, TimeUnit.SECONDS)).isTrue();
        int refused = h.calls.indexOf("prepare");
        // The first prepare said there was work: woke (disarm) and a poll follow before the next prepare.
        List<String> calls = List.copyOf(h.calls);
        assertThat(calls.subList(refused, calls.size())).containsSubsequence("prepare", "woke", "poll", "prepare");
    }

    @Test
    void aRemovedHandlerIsNotPolledAndTheContextsEndReachesTheOthersOnce() throws Exception {
        Recorder gone = new Recorder();
        Recorder stays = new Recorder();
        onIo(() -> {
            io.addPollHandler(gone);
            io.addPollHandler(stays);
            io.removePollHandler(gone);
        });
        int polled = gone.calls.size();
        onIo(() -> { });
        assertThat(gone.calls).hasSize(polled);
        scheduler.destroyIoThread(io);
        assertThat(stays.ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(stays.calls).filteredOn("ended"::equals).hasSize(1);
        assertThat(gone.calls).doesNotContain("ended");
    }

    @Test
    void handlersAreAddedOnTheirContextsThreadOnly() {
        assertThatThrownBy(() -> io.addPollHandler(new Recorder())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("addPollHandler");
        assertThatThrownBy(() -> io.removePollHandler(new Recorder())).isInstanceOf(IllegalStateException.class);
    }
}
