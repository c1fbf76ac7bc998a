package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node's request path (block/io.c) as the driver sees it: each request counted in flight while the driver has it
 * (what a drain waits for, B38), flush skipped with cache.no-flush, writes refused on a read-only node, and the
 * range checks at their exact bounds.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NodeIoTest {
    private static final long LENGTH = 2048 * 512;

    private final CoreFixture core = new CoreFixture();
    private final RecordingDriver drv = new RecordingDriver();

    NodeIoTest() {
        core.graph.addDriver(drv, "test.bundle", "1.0.0");
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    /** Records, for each request it gets, its kind and the node's in-flight count at that moment. */
    static class RecordingDriver extends TestDriverBase implements Truncate, WriteZeroes, Discard {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final AtomicInteger flushes = new AtomicInteger();

        private void record(DriverNode bs, String what) {
            seen.add(what + " in flight " + ((BlockDriverState) bs).drainState().inFlight());
        }

        @Override
        public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) {
            record(bs, "read");
            buf.position(buf.limit());
        }

        @Override
        public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) {
            record(bs, "write");
            buf.position(buf.limit());
        }

        @Override
        public void coFlush(DriverNode bs) {
            record(bs, "flush");
            flushes.incrementAndGet();
        }

        @Override
        public void coTruncate(DriverNode bs, long offset) {
            record(bs, "truncate");
        }

        @Override
        public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags) {
            record(bs, "write zeroes");
        }

        @Override
        public void coPdiscard(DriverNode bs, long offset, long bytes) {
            record(bs, "discard");
        }
    }

    private BlockDriverState open(String options, int flags) throws BlockException {
        return (BlockDriverState) core.graph.open(null, BlockOptions.parse(options), flags);
    }

    /**
     * Breaks if: coPwritev, coFlush or coTruncate stop counting themselves in flight, or stop counting themselves
     * out ({@code incInFlight}/{@code decInFlight} removed): a drain would not wait for them, or wait forever.
     */
    @Test
    void everyRequestIsInFlightWhileTheDriverHasIt() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=n");
        NodeIo.pread(bs, 0, ByteBuffer.allocate(512), 0);
        NodeIo.pwrite(bs, 0, ByteBuffer.allocate(512), 0);
        NodeIo.flush(bs);
        assertThat(NodeIo.truncate(bs, LENGTH / 2)).isEqualTo(LENGTH / 2);
        assertThat(drv.seen).containsExactly("read in flight 1", "write in flight 1", "flush in flight 1",
                "truncate in flight 1");
        assertThat(bs.drainState().inFlight()).isZero();
    }

    /**
     * Breaks if: coPwriteZeroes or coPdiscard stop counting themselves in flight around the driver's call, or stop
     * counting themselves out ({@code incInFlight}/{@code decInFlight} removed in ZeroesAndDiscard): a drain would
     * not wait for them (B38), or would wait forever.
     */
    @Test
    void writeZeroesAndDiscardAreInFlightWhileTheDriverHasThem() throws Exception {
        BlockDriverState bs = (BlockDriverState) core.graph.open(null,
                BlockOptions.parse("driver=counting,node-name=n,discard=unmap"), OpenFlags.RDWR);
        core.inReader(() -> {
            ZeroesAndDiscard.coPwriteZeroes(bs, 0, 4096, Set.of());
            ZeroesAndDiscard.coPdiscard(bs, 4096, 4096);
            return null;
        });
        assertThat(drv.seen).containsExactly("write zeroes in flight 1", "discard in flight 1");
        assertThat(bs.drainState().inFlight()).isZero();
    }

    /**
     * Breaks if: flush skipped the driver (the call removed, or the no-flush test always true), flushed with
     * cache.no-flush=on, or did not refuse a node without a driver.
     */
    @Test
    void flushReachesTheDriverUnlessNoFlushAndNeedsAMedium() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=n");
        NodeIo.flush(bs);
        assertThat(drv.flushes).hasValue(1);
        BlockDriverState quiet = core.open("driver=counting,node-name=q,cache.no-flush=on");
        NodeIo.flush(quiet);
        assertThat(drv.flushes).hasValue(1);

        core.graph.removeDriver(drv);
        assertThatThrownBy(() -> core.inReader(() -> {
            NodeIo.coFlush(bs);
            return null;
        })).isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
    }

    /** Breaks if: coPwritev skipped its read-only check, or checked a write's end only when it may grow. */
    @Test
    void aWriteIsRefusedOnAReadOnlyNodeAndPastTheEnd() throws Exception {
        BlockDriverState ro = open("driver=counting,node-name=ro", 0);
        assertThatThrownBy(() -> NodeIo.pwrite(ro, 0, ByteBuffer.allocate(512), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        BlockDriverState rw = core.open("driver=counting,node-name=rw");
        assertThatThrownBy(() -> NodeIo.pwrite(rw, LENGTH - 511, ByteBuffer.allocate(512), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(drv.seen).isEmpty();
    }

    /**
     * The bounds themselves: an empty request at the very end or at 0 is fine, a request ending exactly at the end
     * too, one byte further is EIO; a truncate to 0 is a resize like any other. Breaks if: checkRange's or
     * checkRequest's comparisons, or coTruncate's negative-size test, move by one.
     */
    @Test
    void theRangeChecksHoldAtTheirExactBounds() throws Exception {
        BlockDriverState bs = core.open("driver=counting,node-name=n");
        NodeIo.pread(bs, LENGTH, ByteBuffer.allocate(0), 0);
        NodeIo.pread(bs, 0, ByteBuffer.allocate(0), 0);
        NodeIo.pread(bs, LENGTH - 512, ByteBuffer.allocate(512), 0);
        assertThatThrownBy(() -> NodeIo.pread(bs, LENGTH + 1, ByteBuffer.allocate(0), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThatThrownBy(() -> NodeIo.pread(bs, -1, ByteBuffer.allocate(0), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(NodeIo.truncate(bs, 0)).isZero();
        assertThatThrownBy(() -> NodeIo.truncate(bs, -1))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    /**
     * The same path through a BlockBackend: flush and truncate reach the driver and truncate answers the new
     * length. Breaks if: BlockBackendImpl.flush lost its coFlush, or truncate its answer.
     */
    @Test
    void flushAndTruncateThroughABackendReachTheDriver() throws Exception {
        core.open("driver=counting,node-name=n");
        org.blocklayer.api.backend.BlockBackend blk = core.graph.attach("n", "", java.util.EnumSet.of(
                org.blocklayer.api.graph.Permission.CONSISTENT_READ, org.blocklayer.api.graph.Permission.WRITE,
                org.blocklayer.api.graph.Permission.RESIZE), org.blocklayer.api.graph.Permission.ALL);
        blk.flush();
        assertThat(drv.flushes).hasValue(1);
        assertThat(blk.truncate(LENGTH / 4)).isEqualTo(LENGTH / 4);
        assertThat(blk.getLength()).isEqualTo(LENGTH / 4);
        assertThat(drv.seen).containsExactly("flush in flight 1", "truncate in flight 1");
    }
}
