package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.coroutine.Timer;
import org.junit.jupiter.api.Test;

/** A context's timers on a clock the test moves: which run, in which order, and how long the loop may sleep. */
class TimerListTest {
    private long now = 1_000;
    private final TimerList timers = new TimerList(() -> now);
    private final List<String> ran = new ArrayList<>();

    @Test
    void onlyExpiredTimersRunEarliestFirstAndArmingOrderBreaksTies() {
        timers.arm(30, () -> ran.add("c"));
        timers.arm(10, () -> ran.add("a"));
        timers.arm(10, () -> ran.add("b"));
        timers.arm(50, () -> ran.add("d"));

        assertThat(timers.runExpired()).isFalse();
        now += 30;
        assertThat(timers.runExpired()).isTrue();
        assertThat(ran).containsExactly("a", "b", "c");
        assertThat(timers.runExpired()).isFalse();
        now += 20;
        timers.runExpired();
        assertThat(ran).containsExactly("a", "b", "c", "d");
    }

    @Test
    void aCancelledTimerNeverRunsAndCancellingOneThatRanDoesNothing() {
        Timer cancelled = timers.arm(5, () -> ran.add("cancelled"));
        Timer done = timers.arm(5, () -> ran.add("done"));
        cancelled.cancel();
        now += 5;

        assertThat(timers.runExpired()).isTrue();
        done.cancel();
        assertThat(timers.runExpired()).isFalse();
        assertThat(ran).containsExactly("done");
    }

    @Test
    void aCallbackMayArmATimerThatIsAlreadyDue() {
        timers.arm(0, () -> {
            ran.add("first");
            timers.arm(0, () -> ran.add("armed by first"));
        });

        timers.runExpired();
        assertThat(ran).containsExactly("first", "armed by first");
    }

    @Test
    void theDeadlineIsTheEarliestTimerCappedAndNeverZero() {
        assertThat(timers.deadlineNanos(100)).isEqualTo(100);
        timers.arm(400, () -> { });
        assertThat(timers.deadlineNanos(100)).isEqualTo(100);
        timers.arm(40, () -> { });
        assertThat(timers.deadlineNanos(100)).isEqualTo(40);
        now += 60;
        // Overdue: the loop must still poll, and return at once.
        assertThat(timers.deadlineNanos(100)).isEqualTo(1);
    }

    @Test
    void deadlinesCompareAcrossTheClocksWraparound() {
        now = Long.MAX_VALUE - 5;
        timers.arm(10, () -> ran.add("after the wrap"));
        timers.arm(1, () -> ran.add("before the wrap"));
        now += 10;

        timers.runExpired();
        assertThat(ran).containsExactly("before the wrap", "after the wrap");
    }
}
