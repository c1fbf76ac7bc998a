package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.BlockStatus.Status;
import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A driver's requests through its child edge ({@code bdrv_co_*} on a {@code BdrvChild}): each reaches the child's
 * node through the same checks a user's would, and a parent that holds RESIZE on the edge may write past the
 * child's end, which then grows (bdrv_co_write_req_finish), as a format grows its file.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChildIoTest {
    private static final long LENGTH = 2048 * 512;

    private final CoreFixture core = new CoreFixture();
    private final Bottom bottom = new Bottom();

    ChildIoTest() {
        core.graph.addDriver(bottom, "test.bundle", "1.0.0");
        core.graph.addDriver(new Forwarding(), "test.bundle", "1.0.0");
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    /** The child: records what reaches it, can write zeroes and discard. */
    static final class Bottom extends NodeIoTest.RecordingDriver implements WriteZeroes, Discard {
        @Override
        public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags) {
            seen.add("zeroes " + offset + "+" + bytes);
        }

        @Override
        public void coPdiscard(DriverNode bs, long offset, long bytes) {
            seen.add("discard " + offset + "+" + bytes);
        }
    }

    /**
     * A format that passes every request to its file child; its truncate grows the file by writing the last
     * sector of the new size, past the file's end, as a format allocating a cluster does.
     */
    static final class Forwarding extends TestDriver implements WriteZeroes, Discard, Truncate,
            org.blocklayer.api.driver.BlockStatus {
        Forwarding() {
            super("fwd");
            openChildFile = true;
            totalSectorsAtOpen = 2048;
        }

        @Override
        public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
            bs.file().coPwritev(offset, buf, flags);
        }

        @Override
        public void coFlush(DriverNode bs) throws BlockException {
            bs.file().coFlush();
        }

        @Override
        public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags)
                throws BlockException {
            bs.file().coPwriteZeroes(offset, bytes, flags);
        }

        @Override
        public void coPdiscard(DriverNode bs, long offset, long bytes) throws BlockException {
            bs.file().coPdiscard(offset, bytes);
        }

        @Override
        public Status coBlockStatus(DriverNode bs, boolean wantZero, long offset, long bytes) throws BlockException {
            return bs.file().coBlockStatus(wantZero, offset, bytes);
        }

        @Override
        public void coTruncate(DriverNode bs, long offset) throws BlockException {
            bs.file().coPwritev(offset - 512, ByteBuffer.allocate(512), 0);
            bs.setTotalSectors(offset / 512);
        }
    }

    private BlockBackend backend(Set<Permission> taken) throws BlockException {
        core.open("driver=fwd,node-name=top,discard=unmap,file.driver=counting,file.node-name=bottom,"
                + "file.discard=unmap");
        return core.graph.attach("top", "", taken, Permission.ALL);
    }

    /**
     * Breaks if: BdrvChild's flush, write zeroes, discard or block status stopped reaching the child (their calls
     * removed, or block status answering nothing).
     */
    @Test
    void everyRequestOfTheParentReachesTheChild() throws Exception {
        BlockBackend blk = backend(EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE));
        blk.flush();
        blk.pwriteZeroes(512, 1024, Set.of());
        blk.pdiscard(2048, 512);
        assertThat(bottom.seen).containsExactly("flush in flight 1", "zeroes 512+1024", "discard 2048+512");
        assertThat(blk.map(0, LENGTH)).singleElement().satisfies(e -> {
            assertThat(e.data()).isTrue();
            assertThat(e.length()).isEqualTo(LENGTH);
        });
    }

    /**
     * A parent holding RESIZE on its file edge writes past the file's end and the file grows to where the write
     * ended, in whole sectors; one without RESIZE gets EIO and the file keeps its size. Breaks if: BdrvChild.coPwritev
     * tested the wrong permission bit, or NodeIo.coPwritev computed or applied the new end wrongly.
     */
    @Test
    void aParentHoldingResizeGrowsItsFileByWritingPastItsEnd() throws Exception {
        BlockBackend blk = backend(EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE, Permission.RESIZE));
        BlockDriverState file = (BlockDriverState) core.graph.node("bottom");
        assertThat(blk.truncate(2 * LENGTH + 4096)).isEqualTo(2 * LENGTH + 4096);
        assertThat(bottom.seen).containsExactly("write in flight 1");
        assertThat(file.totalSectors()).isEqualTo((2 * LENGTH + 4096) / 512);
        blk.close();

        BlockBackend noResize = core.graph.attach("top", "", EnumSet.of(Permission.CONSISTENT_READ,
                Permission.WRITE), Permission.ALL);
        assertThat(noResize.getLength()).isEqualTo(2 * LENGTH + 4096);
        assertThatThrownBy(() -> core.inReader(() -> {
            BlockDriverState top = file.edges().parents().getFirst().parent();
            top.file().coPwritev(file.totalSectors() * 512, ByteBuffer.allocate(512), 0);
            return null;
        })).isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(file.totalSectors()).isEqualTo((2 * LENGTH + 4096) / 512);
    }
}
