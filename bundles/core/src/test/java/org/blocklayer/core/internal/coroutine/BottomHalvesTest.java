package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code aio_bh_poll}'s rule: one poll runs what was queued when it began, in order, and nothing queued later. */
class BottomHalvesTest {
    private final BottomHalves bottomHalves = new BottomHalves();
    private final List<String> ran = new ArrayList<>();

    @Test
    void aPollRunsWhatWasQueuedInOrderAndSaysWhetherAnythingRan() {
        assertThat(bottomHalves.poll()).isFalse();
        bottomHalves.schedule(() -> ran.add("a"));
        bottomHalves.schedule(() -> ran.add("b"));

        assertThat(bottomHalves.poll()).isTrue();
        assertThat(ran).containsExactly("a", "b");
        assertThat(bottomHalves.isEmpty()).isTrue();
        assertThat(bottomHalves.poll()).isFalse();
    }

    @Test
    void aBottomHalfThatReschedulesItselfRunsOncePerPoll() {
        Runnable[] again = new Runnable[1];
        again[0] = () -> {
            ran.add("tick");
            bottomHalves.schedule(again[0]);
        };
        bottomHalves.schedule(again[0]);

        bottomHalves.poll();
        assertThat(ran).containsExactly("tick");
        assertThat(bottomHalves.isEmpty()).isFalse();
        bottomHalves.poll();
        assertThat(ran).containsExactly("tick", "tick");
    }
}
