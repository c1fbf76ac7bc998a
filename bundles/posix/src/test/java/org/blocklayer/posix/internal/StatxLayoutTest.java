package org.blocklayer.posix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code struct statx} as linux/stat.h lays it out (the same on every architecture). */
class StatxLayoutTest {

    @Test
    void statxIs256BytesWithModeSizeAndRdevWhereTheKernelWritesThem() {
        assertThat(StatxLayout.LAYOUT.byteSize()).isEqualTo(256);
        assertThat(StatxLayout.MASK).isZero();
        assertThat(StatxLayout.MODE).isEqualTo(28);
        assertThat(StatxLayout.SIZE).isEqualTo(40);
        assertThat(StatxLayout.RDEV_MAJOR).isEqualTo(128);
        assertThat(StatxLayout.RDEV_MINOR).isEqualTo(132);
    }

    @Test
    void bindingsAreAvailableOnThisMachine() {
        assertThat(Libc.UNAVAILABLE).isNull();
    }
}
