package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.EnumSet;

import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The driver SPI of API 2.0: what a driver lacks is a capability interface it does not implement (QEMU's NULL
 * callback), and a format driver's I/O on its child goes through the child's edge, with the child's checks.
 */
class CapabilitiesTest {
    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    @Test
    @DisplayName("B14: a driver without the Truncate capability refuses resize with ENOTSUP and keeps its length")
    void aDriverWithoutTruncateRefusesResizeAndKeepsItsLength_B14() throws Exception {
        TestDriver drv = core.driver("fixed");
        drv.length = 4096;
        BlockDriverState bs = core.open("driver=fixed,node-name=a");

        assertThat(drv).isNotInstanceOf(Truncate.class);
        assertThatThrownBy(() -> core.graph.resize("a", 8192)).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOTSUP);
            assertThat(e.getMessage()).isEqualTo(
                    "node 'a', driver 'fixed': Image format driver 'fixed' does not support resize");
        });
        assertThat(bs.getLength()).isEqualTo(4096);
    }

    /**
     * B14 where only the hint can set the length: a driver that resizes but has no getlength, so the refresh after
     * the resize keeps {@code offset >> 9} sectors (10000 bytes are 19 whole sectors, 9728 bytes), as
     * {@code bdrv_co_truncate} passes it, and the size reported is those sectors.
     * Breaks if: NodeIo.coTruncate refreshes with the hint rounded up ({@code Math.ceilDiv(offset, 512)}) instead of
     * {@code offset >> 9}.
     */
    @Test
    @DisplayName("B14: after a resize a driver without getlength keeps the new size in whole sectors, rounded down")
    void afterAResizeADriverWithoutGetLengthKeepsTheNewSizeInWholeSectorsRoundedDown_B14() throws Exception {
        ResizableDriver drv = new ResizableDriver();
        drv.totalSectorsAtOpen = 8;
        core.graph.addDriver(drv, "test.bundle", "1.0.0");
        BlockDriverState bs = core.open("driver=resizable,node-name=a");
        assertThat(drv).isInstanceOf(Truncate.class).isNotInstanceOf(GetLength.class);

        assertThat(core.graph.resize("a", 10_000)).isEqualTo(19 * 512);
        assertThat(drv.truncatedTo).isEqualTo(10_000);
        assertThat(bs.totalSectors()).isEqualTo(19);
        assertThat(bs.getLength()).isEqualTo(9728);

        assertThat(core.graph.resize("a", 511)).as("less than a sector leaves none").isZero();
        assertThat(bs.totalSectors()).isZero();
        // Breaks if: Backends.resize kept its anonymous resizer on the node or left it drained.
        assertThat(bs.users().backends()).as("the resizer let the node go").isEmpty();
        assertThat(bs.drainState().quiesceCounter()).as("its drained section ended").isZero();
    }

    /** {@link ResizableDriver} with a getlength (the size it was resized to), which a test can make fail. */
    static final class MeasuredResizableDriver extends ResizableDriver implements GetLength {
        MeasuredResizableDriver() {
            super("measured-resizable");
        }
    }

    /**
     * B14's failure half: the driver resized, then the length it gives fails. {@code bdrv_co_truncate} answers the
     * refresh's error, "Could not refresh total sector count", said of the node and its driver unless the driver's
     * error names a node already (the innermost that failed). Breaks if: coTruncate throws the refresh error without
     * BlockDriverState.named, or named replaces a node an error already names (or answers null).
     */
    @Test
    @DisplayName("B14: a resize whose length then fails says so, naming the node unless the error names one")
    void aResizeWhoseLengthThenFailsSaysSoNamingTheNode_B14() throws Exception {
        MeasuredResizableDriver drv = new MeasuredResizableDriver();
        drv.length = 4096;
        core.graph.addDriver(drv, "test.bundle", "1.0.0");
        core.open("driver=measured-resizable,node-name=a");

        drv.lengthError = new BlockException(Errno.EIO, "the disk is on fire");
        assertThatThrownBy(() -> core.graph.resize("a", 8192)).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.EIO);
            assertThat(e.node()).isEqualTo("a");
            assertThat(e.getMessage()).isEqualTo("node 'a', driver 'measured-resizable': Could not refresh total"
                    + " sector count: the disk is on fire");
        });
        drv.lengthError = new BlockException(Errno.EIO, "elsewhere", "other", "the disk is on fire");
        assertThatThrownBy(() -> core.graph.resize("a", 8192)).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.node()).as("the innermost node that failed").isEqualTo("elsewhere");
            assertThat(e.getMessage()).contains("Could not refresh total sector count: ");
        });
    }

    /**
     * The driver-facing {@code bdrv_co_refresh_total_sectors} (DriverNode.coRefreshTotalSectors), called in a
     * coroutine under the read lock as a driver would: without getlength the hint is the length (B3).
     * Breaks if: BlockDriverState.coRefreshTotalSectors does not refresh.
     */
    @Test
    @DisplayName("B3: a driver's own refresh in a coroutine takes the hint when it has no getlength")
    void aDriversOwnRefreshTakesTheHint_B3() throws Exception {
        TestDriver drv = core.driverWithoutGetLength("unmeasured");
        drv.totalSectorsAtOpen = 7;
        BlockDriverState bs = core.open("driver=unmeasured,node-name=a");
        org.blocklayer.core.internal.coroutine.CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> {
            bs.coRefreshTotalSectors(11);
            return null;
        });
        assertThat(bs.totalSectors()).isEqualTo(11);
    }

    /**
     * refresh, bdrv_refresh_total_sectors over the subtree, children first: a fixed-length node's cached length is
     * asked for again, and so is every node's below it. Breaks if: NodeLength.refreshSubtree skipped the children
     * or the node itself.
     */
    @Test
    void refreshAsksTheNodeAndEveryNodeBelowItAgain() throws Exception {
        TestDriver proto = core.driver("rproto");
        proto.length = 4096;
        TestDriver top = core.driver("rtop");
        top.openChildFile = true;
        top.length = 8192;
        core.open("driver=rtop,node-name=t,file.driver=rproto,file.node-name=p");
        proto.length = 16384;
        top.length = 32768;
        assertThat(core.graph.getLength("p")).as("cached").isEqualTo(4096);

        assertThat(core.graph.refresh("t")).isEqualTo(32768);
        assertThat(core.graph.getLength("p")).isEqualTo(16384);
    }

    /**
     * Resizes (records the size asked for, which is also the length a getlength would answer) but cannot say its
     * length: QEMU's NULL {@code bdrv_co_getlength}.
     */
    static class ResizableDriver extends TestDriver implements Truncate {
        volatile long truncatedTo = -1;

        ResizableDriver() {
            this("resizable");
        }

        ResizableDriver(String name) {
            super(name);
        }

        @Override
        public void coTruncate(DriverNode bs, long offset) {
            truncatedTo = offset;
            length = offset;
        }
    }

    @Test
    @DisplayName("B3: without the GetLength capability the length is what the driver's open set, never asked")
    void withoutGetLengthTheLengthIsWhatOpenSet_B3() throws Exception {
        TestDriver drv = core.driverWithoutGetLength("unmeasured");
        drv.totalSectorsAtOpen = 7;
        drv.variableLength = true;
        BlockDriverState bs = core.open("driver=unmeasured,node-name=a");

        assertThat(core.graph.refresh("a")).isEqualTo(7 * 512);
        assertThat(bs.getLength()).isEqualTo(7 * 512);
        assertThat(drv.getLengthCalls).hasValue(0);
        assertThatThrownBy(() -> core.graph.driverLength("a")).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ENOTSUP));
    }

    /** A format that shows its child from {@link #SHIFT} on, reading through its file edge. */
    static final class ShiftedDriver implements BlockDriver, GetLength {
        static final int SHIFT = 2048;

        @Override
        public String formatName() {
            return "shifted";
        }

        @Override
        public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
            bs.openChild(options, "file", EnumSet.of(ChildRole.DATA, ChildRole.PRIMARY), false);
        }

        /** Claims the child's whole length although it starts {@link #SHIFT} bytes in: the child must refuse. */
        @Override
        public long coGetLength(DriverNode bs) throws BlockException {
            return bs.file().coGetLength();
        }

        @Override
        public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
            bs.file().coPreadv(offset + SHIFT, buf, flags);
        }
    }

    @Test
    void aDriversReadThroughItsChildEdgeIsCheckedAgainstTheChild() throws Exception {
        TestDriver proto = core.driver("proto");
        proto.length = 4096;
        core.graph.addDriver(new ShiftedDriver(), "test.bundle", "1.0.0");
        BlockDriverState top = core.open("driver=shifted,node-name=top,file.driver=proto,file.node-name=bottom");

        ByteBuffer inside = ByteBuffer.allocate(1024);
        NodeIo.pread(top, 1024, inside, 0);
        assertThat(inside.array()).containsOnly(proto.pattern);
        assertThat(proto.readsDone).hasValue(1);

        assertThatThrownBy(() -> NodeIo.pread(top, 3072, ByteBuffer.allocate(1024), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EIO);
                    assertThat(e.getMessage()).isEqualTo("node 'bottom', driver 'proto': Cannot read 1024 bytes"
                            + " at offset 5120: the node ends at 4096");
                });
        assertThat(proto.readsDone).hasValue(1);
        assertThat(top.file().node().drainState().inFlight()).isZero();
    }
}
