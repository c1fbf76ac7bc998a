package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The seed change: refresh_total_sectors, nb_sectors and getlength (B1–B10). */
class LengthTest {
    private final CoreFixture core = new CoreFixture();
    private final TestDriver drv = core.driver("test");

    @AfterEach
    void tearDown() {
        core.close();
    }

    @Test
    @DisplayName("B1: refresh without driver is no medium and keeps total sectors")
    void refreshWithoutDriverIsNoMediumAndKeepsTotalSectors_B1() throws Exception {
        drv.length = 4096;
        BlockDriverState bs = core.open("driver=test,node-name=a");
        core.graph.removeDriver(drv);

        assertThat(bs.driver()).isNull();
        assertThatThrownBy(() -> bs.refreshTotalSectors(99))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM))
                .hasMessageContaining("node 'a'");
        assertThat(bs.totalSectors()).isEqualTo(8);
    }

    @Test
    @DisplayName("B2: refresh on sg node never calls driver nor changes total sectors")
    void refreshOnSgNodeNeverCallsDriverNorChangesTotalSectors_B2() throws Exception {
        drv.sg = true;
        drv.length = 1 << 20;
        drv.totalSectorsAtOpen = 5;
        BlockDriverState bs = core.open("driver=test,node-name=sg0");

        bs.refreshTotalSectors(1234);

        assertThat(drv.getLengthCalls).hasValue(0);
        assertThat(bs.totalSectors()).isEqualTo(5);
        assertThat(bs.getLength()).isEqualTo(5 * 512);
    }

    @Test
    @DisplayName("B3: refresh without getlength takes the hint")
    void refreshWithoutGetlengthTakesTheHint_B3() throws Exception {
        TestDriver unmeasured = core.driverWithoutGetLength("unmeasured");
        BlockDriverState bs = core.open("driver=unmeasured,node-name=a");

        bs.refreshTotalSectors(42);

        assertThat(bs.totalSectors()).isEqualTo(42);
        assertThat(unmeasured.getLengthCalls).hasValue(0);
    }

    @Test
    @DisplayName("B4: refresh error is returned and total sectors unchanged")
    void refreshErrorIsReturnedAndTotalSectorsUnchanged_B4() throws Exception {
        drv.length = 1024;
        BlockDriverState bs = core.open("driver=test,node-name=a");
        drv.lengthError = TestDriver.eio();
        drv.length = 1 << 20;

        assertThatThrownBy(() -> bs.refreshTotalSectors(0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(bs.totalSectors()).isEqualTo(2);
    }

    @Test
    @DisplayName("B5: length of65537 bytes is129 sectors")
    void lengthOf65537BytesIs129Sectors_B5() throws Exception {
        drv.length = 65537;
        BlockDriverState bs = core.open("driver=test,node-name=a");

        assertThat(bs.totalSectors()).isEqualTo(129);
        assertThat(bs.nbSectors()).isEqualTo(129);
    }

    @Test
    @DisplayName("B6: get length is always amultiple of512")
    void getLengthIsAlwaysAMultipleOf512_B6() throws Exception {
        for (long len : new long[] {0, 1, 511, 512, 513, 65537, (1L << 30) + 1}) {
            drv.length = len;
            BlockDriverState bs = core.open("driver=test");
            long got = bs.getLength();
            assertThat(got % 512).as("length of %d", len).isZero();
            assertThat(got).as("length of %d", len).isEqualTo((len + 511) / 512 * 512);
        }
        drv.length = 65537;
        assertThat(core.open("driver=test").getLength()).isEqualTo(66048);
    }

    @Test
    @DisplayName("B7: length beyond int64 is efbig")
    void lengthBeyondInt64IsEfbig_B7() throws Exception {
        core.driverWithoutGetLength("unmeasured");
        BlockDriverState bs = core.open("driver=unmeasured,node-name=a");
        bs.refreshTotalSectors(Long.MAX_VALUE / 512 + 1);

        assertThatThrownBy(bs::getLength)
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFBIG));
        bs.refreshTotalSectors(Long.MAX_VALUE / 512);
        assertThat(bs.getLength()).isEqualTo(Long.MAX_VALUE / 512 * 512);
    }

    @Test
    @DisplayName("B8: nb sectors and get length without driver are no medium")
    void nbSectorsAndGetLengthWithoutDriverAreNoMedium_B8() throws Exception {
        BlockDriverState bs = core.open("driver=test,node-name=a");
        core.graph.removeDriver(drv);

        assertThatThrownBy(bs::nbSectors).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
        assertThatThrownBy(bs::getLength).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
        assertThatThrownBy(() -> core.graph.getLength("a")).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.describe()).contains("node 'a'").endsWith("(ENOMEDIUM)"));
    }

    @Test
    @DisplayName("B9: variable length driver is asked on every query and errors propagate")
    void variableLengthDriverIsAskedOnEveryQueryAndErrorsPropagate_B9() throws Exception {
        drv.variableLength = true;
        drv.length = 512;
        BlockDriverState bs = core.open("driver=test,node-name=a");
        int afterOpen = drv.getLengthCalls.get();

        drv.length = 4096;
        assertThat(bs.getLength()).isEqualTo(4096);
        assertThat(bs.nbSectors()).isEqualTo(8);
        assertThat(drv.getLengthCalls.get()).isEqualTo(afterOpen + 2);

        drv.lengthError = TestDriver.eio();
        assertThatThrownBy(bs::getLength).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(bs.totalSectors()).isEqualTo(8);
    }

    @Test
    @DisplayName("B9: variable length without getlength keeps current total as hint")
    void variableLengthWithoutGetlengthKeepsCurrentTotalAsHint_B9() throws Exception {
        TestDriver unmeasured = core.driverWithoutGetLength("unmeasured");
        unmeasured.variableLength = true;
        unmeasured.totalSectorsAtOpen = 3;
        BlockDriverState bs = core.open("driver=unmeasured,node-name=a");

        assertThat(bs.nbSectors()).isEqualTo(3);
        assertThat(bs.getLength()).isEqualTo(1536);
    }

    @Test
    @DisplayName("B10: fixed length driver answers from the cache")
    void fixedLengthDriverAnswersFromTheCache_B10() throws Exception {
        drv.length = 512;
        BlockDriverState bs = core.open("driver=test,node-name=a");
        int afterOpen = drv.getLengthCalls.get();

        drv.length = 1 << 20;
        assertThat(bs.getLength()).isEqualTo(512);
        assertThat(bs.nbSectors()).isEqualTo(1);
        assertThat(drv.getLengthCalls.get()).isEqualTo(afterOpen);
    }

    @Test
    void driverGetlengthRunsInACoroutine() throws Exception {
        drv.length = 512;
        core.open("driver=test,node-name=a");
        assertThat(drv.lastGetLengthInCoroutine).isTrue();
    }
}
