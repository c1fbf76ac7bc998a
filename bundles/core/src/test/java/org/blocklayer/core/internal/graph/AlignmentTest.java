package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.BlockLimits;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.CoQueue;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** B48: requests are padded to the node's request alignment and split by its max transfer, invisibly. */
@Timeout(60)
class AlignmentTest {
    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    /** A memory driver that accepts only 4 KiB-aligned requests of at most 64 KiB, and says so. */
    static class BlockyDriver extends ZeroesDiscardTest.MemoryDriver implements BlockLimits {
        @Override
        public String formatName() {
            return "blocky";
        }

        @Override
        public String protocolName() {
            return "blocky";
        }

        @Override
        public Limits refreshLimits(DriverNode bs, Limits defaults) {
            return defaults.withTransfer(4096, 65536);
        }

        @Override
        public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) {
            check("read", offset, buf.remaining());
            super.coPreadv(bs, offset, buf, flags);
        }

        @Override
        public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) {
            check("write", offset, buf.remaining());
            super.coPwritev(bs, offset, buf, flags);
        }

        private void check(String what, long offset, int length) {
            if (!what.equals("write")) {
                calls.add(what + " " + offset + "+" + length);
            }
            if (offset % 4096 != 0 || length % 4096 != 0 || length > 65536) {
                throw new AssertionError("unaligned or too long " + what + " reached the driver: " + offset + "+"
                        + length);
            }
        }
    }

    /** Blocky under another name (format and protocol), with limits of its own. */
    private static BlockyDriver limited(String name, UnaryOperator<BlockLimits.Limits> limits) {
        return new BlockyDriver() {
            @Override
            public String formatName() {
                return name;
            }

            @Override
            public String protocolName() {
                return name;
            }

            @Override
            public Limits refreshLimits(DriverNode bs, Limits defaults) {
                return limits.apply(defaults);
            }
        };
    }

    private BlockBackend open(BlockyDriver drv) throws Exception {
        core.graph.addDriver(drv, "test.bundle", "1.0.0");
        core.graph.open(null, BlockOptions.parse("driver=blocky,node-name=b"), OpenFlags.RDWR);
        return core.graph.attach("b", "", EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                Permission.ALL);
    }

    @Test
    @DisplayName("B48: an unaligned write is a read-modify-write of whole blocks")
    void unalignedWriteIsReadModifyWrite() throws Exception {
        BlockyDriver drv = new BlockyDriver();
        BlockBackend blk = open(drv);
        byte[] hello = "hello, block layer".getBytes();

        blk.pwrite(4090, ByteBuffer.wrap(hello));

        assertThat(drv.calls).containsExactly("read 0+4096", "read 4096+4096", "write 0+8192");
        byte[] expected = new byte[8192];
        Arrays.fill(expected, (byte) 0x5a);
        System.arraycopy(hello, 0, expected, 4090, hello.length);
        assertThat(Arrays.copyOfRange(drv.data, 0, 8192)).isEqualTo(expected);
    }

    @Test
    @DisplayName("B48: an unaligned read reads whole blocks and returns the bytes asked for")
    void unalignedReadIsPadded() throws Exception {
        BlockyDriver drv = new BlockyDriver();
        BlockBackend blk = open(drv);
        drv.data[5000] = 7;
        ByteBuffer buf = ByteBuffer.allocate(3);

        blk.pread(4999, buf);

        assertThat(drv.calls).containsExactly("read 4096+4096");
        assertThat(buf.array()).containsExactly(0x5a, 7, 0x5a);
    }

    @Test
    @DisplayName("B48: a long request goes to the driver in max-transfer pieces")
    void longRequestsAreSplit() throws Exception {
        BlockyDriver drv = new BlockyDriver();
        BlockBackend blk = open(drv);

        blk.pread(0, ByteBuffer.allocate(1 << 20));

        assertThat(drv.calls).hasSize(16).allMatch(c -> c.endsWith("+65536"));
        drv.calls.clear();
        blk.pwrite(65536, ByteBuffer.allocate(200_000));
        assertThat(drv.calls).as("head aligned, tail block read, then max-transfer pieces").containsExactly(
                "read 262144+4096", "write 65536+65536", "write 131072+65536", "write 196608+65536",
                "write 262144+4096");
    }

    @Test
    void aDriverAskingForAnAlignmentThatIsNoPowerOfTwoCannotOpen() {
        BlockyDriver drv = new BlockyDriver() {
            @Override
            public Limits refreshLimits(DriverNode bs, Limits defaults) {
                return new Limits(3000, 0, 0, 0, 0, 0, 0);
            }
        };
        core.graph.addDriver(drv, "test.bundle", "1.0.0");
        assertThatThrownBy(() -> core.graph.open(null, BlockOptions.parse("driver=blocky,node-name=b"),
                OpenFlags.RDWR)).hasMessageContaining("Invalid block limits: request alignment 3000 is no power of two");
        assertThat(core.graph.nodes()).isEmpty();
    }

    /**
     * Aligned requests reach the driver as they are; an unaligned write inside one block reads that block once; a
     * second padded write follows the first (the serialising lock was let go). Breaks if: RequestPadding.write's
     * aligned path were skipped, its tail-block test read the head block a second time ({@code end - align > start}
     * changed), or it kept the serialising lock.
     */
    @Test
    @DisplayName("B48: aligned requests go through as they are; a write inside one block reads it once")
    void alignedRequestsGoThroughAndAWriteInsideOneBlockReadsItOnce() throws Exception {
        BlockyDriver drv = new BlockyDriver();
        BlockBackend blk = open(drv);
        blk.pwrite(8192, ByteBuffer.allocate(4096));
        blk.pread(4096, ByteBuffer.allocate(4096));
        assertThat(drv.calls).containsExactly("write 8192+4096", "read 4096+4096");
        drv.calls.clear();

        blk.pwrite(4100, ByteBuffer.wrap(new byte[10]));
        assertThat(drv.calls).containsExactly("read 4096+4096", "write 4096+4096");
        drv.calls.clear();
        blk.pwrite(8190, ByteBuffer.wrap(new byte[4]));
        assertThat(drv.calls).containsExactly("read 4096+4096", "read 8192+4096", "write 4096+8192");
    }

    /**
     * A read and a write that start inside one block and end inside the next (B48): both blocks, read as one
     * request, and the write reads each once; a write whose end is aligned reads only its head block. Breaks if:
     * RequestPadding.read's or write's aligned test looked at the offset or the length the wrong way (an unaligned
     * offset or length would reach the driver), the bounce buffer's end were {@code offset - length}, or the
     * tail-block test of write computed the end as {@code offset - length} or with {@code *} for {@code %}.
     */
    @Test
    @DisplayName("B48: a read or write spanning two blocks pads both; an aligned end reads no tail block")
    void requestsSpanningTwoBlocksArePaddedAtBothEnds() throws Exception {
        BlockyDriver drv = new BlockyDriver();
        BlockBackend blk = open(drv);
        for (int i = 0; i < 8192; i++) {
            drv.data[i] = (byte) i;
        }
        ByteBuffer buf = ByteBuffer.allocate(4096);
        blk.pread(2048, buf);
        assertThat(drv.calls).containsExactly("read 0+8192");
        assertThat(buf.array()).isEqualTo(Arrays.copyOfRange(drv.data, 2048, 6144));
        drv.calls.clear();
        ByteBuffer part = ByteBuffer.allocate(100);
        blk.pread(4096, part);
        assertThat(drv.calls).as("an aligned start with a length that is not").containsExactly("read 4096+4096");
        assertThat(part.array()).isEqualTo(Arrays.copyOfRange(drv.data, 4096, 4196));
        drv.calls.clear();

        byte[] ones = new byte[4096];
        Arrays.fill(ones, (byte) 1);
        byte[] expected = Arrays.copyOfRange(drv.data, 0, 8192);
        System.arraycopy(ones, 0, expected, 2048, 4096);
        blk.pwrite(2048, ByteBuffer.wrap(ones));
        assertThat(drv.calls).containsExactly("read 0+4096", "read 4096+4096", "write 0+8192");
        assertThat(Arrays.copyOfRange(drv.data, 0, 8192)).isEqualTo(expected);
        drv.calls.clear();

        byte[] twos = new byte[8092];
        Arrays.fill(twos, (byte) 2);
        blk.pwrite(100, ByteBuffer.wrap(twos));
        assertThat(drv.calls).as("the end is aligned: no tail block read").containsExactly("read 0+4096",
                "write 0+8192");
        assertThat(drv.data[99]).isEqualTo(expected[99]);
        assertThat(drv.data[100]).isEqualTo((byte) 2);
        assertThat(drv.data[8191]).isEqualTo((byte) 2);
    }

    /** Blocky, whose reads wait while {@code hold} is set, until the test restarts {@code gate}. */
    static final class GatedBlockyDriver extends BlockyDriver {
        final CoQueue gate = new CoQueue();
        final AtomicInteger readsEntered = new AtomicInteger();
        volatile boolean hold;

        @Override
        public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) {
            readsEntered.incrementAndGet();
            while (gate.coWaitIf(() -> hold)) {
                // released by the test
            }
            super.coPreadv(bs, offset, buf, flags);
        }
    }

    /**
     * Two read-modify-writes of one block never overlap (B48, QEMU's SERIALISING requests): the second reads the
     * block only after the first wrote it, so neither write is lost. Stepped by hand in the main loop: the first
     * write's head read is held in the driver while the second starts. Breaks if: RequestPadding.write took the
     * serialising lock for reading on a padded write (its {@code if (aligned)} negated): both read the old block
     * and the second write undoes the first.
     */
    @Test
    @DisplayName("B48: a second read-modify-write of a block waits until the first has written it")
    void readModifyWritesOfOneBlockAreSerialised() throws Exception {
        GatedBlockyDriver drv = new GatedBlockyDriver();
        BlockBackend blk = open(drv);
        drv.hold = true;
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        int entered = core.inMain(() -> {
            for (int at : new int[] {100, 200}) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                writes.add(done);
                core.scheduler.mainLoop().coEnter(Coroutine.create(() -> {
                    try {
                        byte[] b = new byte[10];
                        Arrays.fill(b, (byte) at);
                        blk.pwrite(at, ByteBuffer.wrap(b));
                        done.complete(null);
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                }));
            }
            return drv.readsEntered.get();
        });
        assertThat(entered).as("the second write waits before reading").isEqualTo(1);
        core.inMain(() -> {
            drv.hold = false;
            drv.gate.restartAll();
            return null;
        });
        for (var w : writes) {
            w.get(10, TimeUnit.SECONDS);
        }
        assertThat(drv.data[100]).isEqualTo((byte) 100);
        assertThat(drv.data[200]).isEqualTo((byte) 200);
        assertThat(drv.data[99]).isEqualTo((byte) 0x5a);
    }

    /** A node over a new file child of driver {@code file} (and a backing one when given), with those roles. */
    private BlockDriverState over(String name, String file, String backing, Set<ChildRole> roles)
            throws Exception {
        TestDriver top = new TestDriver("top-" + name);
        top.openChildFile = true;
        top.openChildCow = backing != null;
        top.fileRoles = roles;
        top.totalSectorsAtOpen = 2048;
        core.graph.addDriver(top, "test.bundle", "1.0.0");
        return (BlockDriverState) core.graph.open(null, BlockOptions.parse("driver=top-" + name + ",node-name="
                + name + ",file.driver=" + file + (backing != null ? ",backing.driver=" + backing : "")),
                OpenFlags.RDWR);
    }

    /**
     * bdrv_refresh_limits: a parent inherits the max transfer of its data, filtered and backing children (the
     * smallest that is set), not of a metadata-only child, and keeps its own request alignment; an alignment of
     * 1 GiB is still allowed. Breaks if: NodeLimits.refresh's role tests or minNonZero changed, or the largest
     * alignment test moved by one.
     */
    @Test
    @DisplayName("B48: a node inherits the smallest max transfer of the children that hold its data")
    void aNodeInheritsTheSmallestMaxTransferOfItsDataChildren() throws Exception {
        core.graph.addDriver(new BlockyDriver(), "test.bundle", "1.0.0");
        BlockyDriver small = limited("blocky32", defaults -> defaults.withTransfer(4096, 32768));
        core.graph.addDriver(small, "test.bundle", "1.0.0");
        TestDriver plain = new TestDriver("plain");
        plain.totalSectorsAtOpen = 2048;
        core.graph.addDriver(plain, "test.bundle", "1.0.0");

        var filtered = over("f", "blocky", null, EnumSet.of(ChildRole.FILTERED, ChildRole.PRIMARY));
        assertThat(filtered.padding().limits().maxTransfer()).isEqualTo(65536);
        assertThat(filtered.padding().limits().requestAlignment()).isEqualTo(1);
        assertThat(over("d", "blocky", null, EnumSet.of(ChildRole.DATA)).padding().limits().maxTransfer())
                .isEqualTo(65536);
        assertThat(over("m", "blocky", null, EnumSet.of(ChildRole.METADATA)).padding().limits().maxTransfer())
                .isZero();
        assertThat(over("c", "plain", "blocky", EnumSet.of(ChildRole.METADATA)).padding().limits().maxTransfer())
                .as("from the backing child").isEqualTo(65536);
        assertThat(over("two", "blocky32", "blocky", EnumSet.of(ChildRole.DATA)).padding().limits().maxTransfer())
                .isEqualTo(32768);
        assertThat(over("two2", "blocky", "blocky32", EnumSet.of(ChildRole.DATA)).padding().limits().maxTransfer())
                .isEqualTo(32768);

        BlockyDriver huge = limited("huge", defaults -> new BlockLimits.Limits(1 << 30, 0, 0, 0, 0, 0, 0));
        core.graph.addDriver(huge, "test.bundle", "1.0.0");
        BlockDriverState h = (BlockDriverState) core.graph.open(null, BlockOptions.parse("driver=huge,node-name=h"),
                OpenFlags.RDWR);
        assertThat(h.padding().limits().requestAlignment()).isEqualTo(1 << 30);
    }
}
