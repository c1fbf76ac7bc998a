package org.blocklayer.posix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code struct flock} as asm-generic/fcntl.h lays it out with a 64-bit {@code off_t} (x86_64, aarch64). */
class FlockLayoutTest {

    @Test
    void flockIs32BytesWithTheFieldsWhereTheKernelReadsThem() {
        assertThat(FlockLayout.LAYOUT.byteSize()).isEqualTo(32);
        assertThat(FlockLayout.TYPE).isZero();
        assertThat(FlockLayout.WHENCE).isEqualTo(2);
        assertThat(FlockLayout.START).isEqualTo(8);
        assertThat(FlockLayout.LEN).isEqualTo(16);
        assertThat(FlockLayout.PID).isEqualTo(24);
    }
}
