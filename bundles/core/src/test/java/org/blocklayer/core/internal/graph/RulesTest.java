package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runtime assertions behind @CoroutineFn and @GraphRdlock (tests run with -ea). */
class RulesTest {
    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    @Test
    void aCoroutineFunctionCalledOutsideACoroutineTripsItsAssertion() throws Exception {
        core.driver("test");
        BlockDriverState bs = core.open("driver=test,node-name=a");
        assertThatThrownBy(() -> core.inMain(bs::coGetLength)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("bdrv_co_getlength is a coroutine function");
    }

    @Test
    void aCoroutineWithoutTheReadLockInAnIothreadTripsTheGraphAssertion() throws Exception {
        core.driver("test");
        BlockDriverState bs = core.open("driver=test,node-name=a");
        var io = core.scheduler.createIoThread("io");
        Throwable t = core.inMain(() -> {
            io.acquire();
            try {
                return CoWrappers.wrapper(io, () -> {
                    try {
                        bs.coNbSectors();
                        return null;
                    } catch (AssertionError e) {
                        return e;
                    }
                });
            } finally {
                io.release();
            }
        });
        assertThat(t).hasMessageContaining("bdrv_co_nb_sectors needs the graph read lock");
        assertThat(core.inReader(bs::coNbSectors)).isZero();
    }
}
