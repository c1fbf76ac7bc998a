package org.blocklayer.driver.raw.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RawStateTest {

    @ParameterizedTest(name = "offset={0} size={1} child={2} -> {3}")
    @CsvSource(nullValues = "-", value = {
        "0,    -,    66048, 66048",
        "512,  -,    66048, 65536",
        "0,    1024, 66048, 1024",
        "1024, 1024, 66048, 1024",
        "1024, 1024, 1536,  512",
        "1024, 1024, 1024,  0",
        "1024, -,    512,   0",
        "1024, 1024, 0,     0",
    })
    void lengthIsMaxZeroMinSizeChildMinusOffset_B15(long offset, Long size, long childNow, long expected)
            throws BlockException {
        RawState state = RawState.apply(offset, size, 1 << 20);

        assertThat(state.refreshLength(childNow)).isEqualTo(expected);
        assertThat(state.size()).isEqualTo(expected);
    }

    @Test
    @DisplayName("B15: fixed size does not grow back after child shrank and grew")
    void fixedSizeDoesNotGrowBackAfterChildShrankAndGrew_B15() throws BlockException {
        RawState state = RawState.apply(0, 4096L, 8192);

        assertThat(state.refreshLength(1024)).isEqualTo(1024);
        assertThat(state.refreshLength(8192)).isEqualTo(1024);
    }

    @Test
    @DisplayName("B15: without size the length follows the child")
    void withoutSizeTheLengthFollowsTheChild_B15() throws BlockException {
        RawState state = RawState.apply(512, null, 1024);

        assertThat(state.size()).isEqualTo(512);
        assertThat(state.refreshLength(4096)).isEqualTo(3584);
    }

    @Test
    void offsetBeyondChildIsEinvalInQemuWords() {
        assertThatThrownBy(() -> RawState.apply(1000000, null, 66048))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("Offset (1000000) cannot be greater than size of the containing file (66048)");
    }

    @Test
    void offsetPlusSizeBeyondChildIsEinvalInQemuWords() {
        assertThatThrownBy(() -> RawState.apply(1000, 100000L, 66048))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("The sum of offset (1000) and size (100000) has to be smaller or equal to the "
                        + " actual size of the containing file (66048)");
    }

    @Test
    void sizeNotMultipleOf512IsEinval() {
        assertThatThrownBy(() -> RawState.apply(0, 1000L, 66048))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("Specified size is not multiple of 512");
    }

    @Test
    void boundsAreCheckedBeforeAlignmentAsQemuDoes() {
        assertThatThrownBy(() -> RawState.apply(0, 100001L, 66048)).hasMessageStartingWith("The sum of offset");
    }

    @Test
    void offsetEqualToChildLengthGivesAnEmptyDisk() throws BlockException {
        assertThat(RawState.apply(66048, null, 66048).size()).isZero();
    }

    @Test
    void requestIsShiftedByTheOffset() throws BlockException {
        RawState state = RawState.apply(1024, 2048L, 8192);

        assertThat(state.childOffset("r", 0, 2048, false)).isEqualTo(1024);
        assertThat(state.childOffset("r", 2048, 0, true)).isEqualTo(3072);
    }

    @Test
    void readBeyondTheWindowIsEinvalAndWriteEnospc() throws BlockException {
        RawState state = RawState.apply(1024, 2048L, 8192);

        assertThatThrownBy(() -> state.childOffset("r", 1536, 1024, false))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("node 'r', driver 'raw': Could not read 1024 bytes at offset 1536: they reach beyond "
                        + "the node's size (2048 bytes)");
        assertThatThrownBy(() -> state.childOffset("r", 4096, 1, true))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC))
                .hasMessageStartingWith("node 'r', driver 'raw': Could not write 1 bytes at offset 4096");
    }

    @Test
    void withoutSizeTheZeroPaddedTailOfAnOddChildStaysReachable() throws BlockException {
        // QEMU checks the window only for a fixed size: a 65537-byte image reads as 66048 bytes (B6).
        RawState state = RawState.apply(0, null, 65537);

        assertThat(state.childOffset("r", 65536, 512, false)).isEqualTo(65536);
    }

    @Test
    void negativeOffsetInAFixedWindowIsEinval() throws BlockException {
        RawState state = RawState.apply(0, 1024L, 1024);

        assertThatThrownBy(() -> state.childOffset("r", -1, 1, false))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void truncateMovesTheEndOfTheChildAndRefusesAFixedSize() throws BlockException {
        RawState window = RawState.apply(512, null, 4096);
        assertThat(window.truncateTo("r", 8192)).isEqualTo(8704);
        assertThat(window.size()).isEqualTo(8192);

        RawState fixed = RawState.apply(0, 1024L, 4096);
        assertThatThrownBy(() -> fixed.truncateTo("r", 2048))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTSUP))
                .hasMessageContaining("Cannot resize fixed-size raw disks");
    }
}
