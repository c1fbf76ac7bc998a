package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.Random;

import org.junit.jupiter.api.Test;

class CoverageTest {
    @Test
    void coverageMergesAdjacentRangesAndRefusesOverlaps() {
        Coverage c = new Coverage();
        assertThat(c.add(100, 50)).isTrue();
        assertThat(c.add(0, 100)).isTrue();
        assertThat(c.add(150, 10)).isTrue();
        assertThat(c.add(159, 1)).isFalse();
        assertThat(c.add(40, 20)).isFalse();
        assertThat(c.add(200, 10)).isTrue();
        assertThat(c.add(160, 40)).isTrue();
        assertThat(c.add(199, 2)).isFalse();
        assertThat(c.total()).isEqualTo(210);
    }

    @Test
    void agreesWithABitSetOnRandomChunks() {
        Random r = new Random(7);
        for (int round = 0; round < 2000; round++) {
            Coverage c = new Coverage();
            BitSet model = new BitSet();
            for (int i = 0; i < 12; i++) {
                int from = r.nextInt(256);
                int length = 1 + r.nextInt(40);
                boolean free = model.get(from, from + length).isEmpty();
                assertThat(c.add(from, length)).isEqualTo(free);
                if (free) {
                    model.set(from, from + length);
                }
                assertThat(c.total()).isEqualTo(model.cardinality());
            }
        }
    }
}
