package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What core does for every driver on write zeroes and discard, as io.c does (B49, B50). */
@Timeout(60)
class ZeroesDiscardTest {
    private static final int SIZE = 3 << 20;
    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    /** A protocol driver over a byte array, with no capabilities. */
    static class MemoryDriver implements BlockDriver {
        // Not final: AlignmentTest's driver is one with limits.
        final byte[] data = new byte[SIZE];
        final List<String> calls = new ArrayList<>();
        /** The flags of every write, in order. */
        final List<Integer> writeFlags = new ArrayList<>();

        MemoryDriver() {
            Arrays.fill(data, (byte) 0x5a);
        }

        @Override
        public String formatName() {
            return "memory";
        }

        @Override
        public String protocolName() {
            return "memory";
        }

        @Override
        public void open(DriverNode bs, BlockOptions options, int flags) {
            options.takeString("filename");
            bs.setTotalSectors(SIZE / 512);
        }

        @Override
        public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) {
            buf.put(data, (int) offset, buf.remaining());
        }

        @Override
        public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) {
            calls.add("write " + offset + "+" + buf.remaining());
            writeFlags.add(flags);
            buf.get(data, (int) offset, buf.remaining());
        }
    }

    /** The same, able to write zeroes and discard, or to refuse with ENOTSUP. */
    static final class CapableMemoryDriver extends MemoryDriver implements WriteZeroes, Discard {
        volatile boolean refuse;

        @Override
        public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags)
                throws BlockException {
            calls.add("zeroes " + offset + "+" + bytes + " " + flags);
            if (refuse) {
                throw new BlockException(Errno.ENOTSUP, "not here");
            }
            Arrays.fill(data, (int) offset, (int) (offset + bytes), (byte) 0);
        }

        @Override
        public void coPdiscard(DriverNode bs, long offset, long bytes) throws BlockException {
            calls.add("discard " + offset + "+" + bytes);
            if (refuse) {
                throw new BlockException(Errno.ENOTSUP, "not here");
            }
        }
    }

    private BlockBackend backend(BlockDriver driver, String options, int flags) throws BlockException {
        core.graph.addDriver(driver, "test.bundle", "1.0.0");
        core.graph.open(null, BlockOptions.parse("driver=memory,node-name=m" + options), flags);
        return core.graph.attach("m", "", flags == 0 ? EnumSet.of(Permission.CONSISTENT_READ)
                : EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE), Permission.ALL);
    }

    @Test
    @DisplayName("B49: write zeroes on a driver without it writes a zeroed buffer, in pieces")
    void writeZeroesFallsBackToABuffer() throws Exception {
        MemoryDriver drv = new MemoryDriver();
        BlockBackend blk = backend(drv, "", OpenFlags.RDWR);

        blk.pwriteZeroes(4096, (2 << 20) + 512, EnumSet.noneOf(RequestFlag.class));

        assertThat(drv.calls).containsExactly("write 4096+1048576", "write 1052672+1048576", "write 2101248+512");
        assertThat(Arrays.copyOfRange(drv.data, 4096, 4096 + (2 << 20) + 512)).containsOnly(0);
        assertThat(drv.data[4095]).isEqualTo((byte) 0x5a);
        assertThat(drv.data[4096 + (2 << 20) + 512]).isEqualTo((byte) 0x5a);
    }

    /**
     * B49: the zeroed buffer is written with FUA when the write zeroes asked for it, and only then
     * ({@code bdrv_co_do_pwrite_zeroes} passes {@code flags & BDRV_REQ_FUA} on to each bounce write).
     * Breaks if: ZeroesAndDiscard's fallback drops FUA or sets it unasked.
     */
    @Test
    @DisplayName("B49: the zeroed-buffer fallback writes with FUA exactly when the write zeroes asked for it")
    void theFallbackKeepsFua() throws Exception {
        MemoryDriver drv = new MemoryDriver();
        BlockBackend blk = backend(drv, "", OpenFlags.RDWR);

        blk.pwriteZeroes(0, (1 << 20) + 512, EnumSet.of(RequestFlag.FUA));
        blk.pwriteZeroes(0, 512, EnumSet.noneOf(RequestFlag.class));

        assertThat(drv.writeFlags).containsExactly(RequestFlag.FUA.value(), RequestFlag.FUA.value(), 0);
    }

    @Test
    @DisplayName("B49: NO_FALLBACK makes a driver without write zeroes fail ENOTSUP, writing nothing")
    void noFallbackFailsEnotsup() throws Exception {
        MemoryDriver drv = new MemoryDriver();
        BlockBackend blk = backend(drv, "", OpenFlags.RDWR);

        assertThatThrownBy(() -> blk.pwriteZeroes(0, 512, EnumSet.of(RequestFlag.NO_FALLBACK)))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTSUP));
        assertThat(drv.calls).isEmpty();
    }

    @Test
    @DisplayName("B49: a driver's own write zeroes is used; its ENOTSUP falls back to the buffer")
    void theDriversWriteZeroesAndItsEnotsup() throws Exception {
        CapableMemoryDriver drv = new CapableMemoryDriver();
        BlockBackend blk = backend(drv, "", OpenFlags.RDWR);

        blk.pwriteZeroes(0, 4096, EnumSet.of(RequestFlag.MAY_UNMAP));
        assertThat(drv.calls).containsExactly("zeroes 0+4096 [MAY_UNMAP]");

        drv.refuse = true;
        drv.calls.clear();
        blk.pwriteZeroes(8192, 4096, EnumSet.noneOf(RequestFlag.class));
        assertThat(drv.calls).containsExactly("zeroes 8192+4096 []", "write 8192+4096");
        assertThat(Arrays.copyOfRange(drv.data, 8192, 12288)).containsOnly(0);
    }

    @Test
    @DisplayName("B50: discard without the driver's capability or without discard=unmap does nothing and succeeds")
    void discardIsAdvice() throws Exception {
        MemoryDriver plain = new MemoryDriver();
        backend(plain, ",discard=unmap", OpenFlags.RDWR).pdiscard(0, 4096);
        assertThat(plain.calls).isEmpty();
        assertThat(plain.data[0]).isEqualTo((byte) 0x5a);
    }

    @Test
    @DisplayName("B50: discard reaches a capable driver only with discard=unmap; its ENOTSUP is success")
    void discardReachesTheDriverWithUnmap() throws Exception {
        CapableMemoryDriver drv = new CapableMemoryDriver();
        BlockBackend blk = backend(drv, ",discard=unmap", OpenFlags.RDWR);
        blk.pdiscard(512, 1024);
        drv.refuse = true;
        blk.pdiscard(0, 512);
        assertThat(drv.calls).containsExactly("discard 512+1024", "discard 0+512");
    }

    @Test
    void withoutUnmapDiscardNeverReachesTheDriver() throws Exception {
        CapableMemoryDriver drv = new CapableMemoryDriver();
        backend(drv, "", OpenFlags.RDWR).pdiscard(0, 512);
        assertThat(drv.calls).isEmpty();
        assertThatThrownBy(() -> core.graph.open(null, BlockOptions.parse("driver=memory,node-name=x,discard=maybe"),
                OpenFlags.RDWR)).hasMessageContaining("Invalid discard option");
    }

    @Test
    @DisplayName("B50: discard and write zeroes on a read-only node fail EPERM")
    void readOnlyRefusesBoth() throws Exception {
        MemoryDriver drv = new MemoryDriver();
        core.graph.addDriver(drv, "test.bundle", "1.0.0");
        BlockDriverState bs = (BlockDriverState) core.graph.open(null, BlockOptions.parse("driver=memory,node-name=m"),
                0);
        for (CheckedCall call : List.<CheckedCall>of(() -> ZeroesAndDiscard.coPdiscard(bs, 0, 512),
                () -> ZeroesAndDiscard.coPwriteZeroes(bs, 0, 512, Set.of()))) {
            assertThatThrownBy(() -> core.inReader(() -> {
                call.run();
                return null;
            })).isInstanceOfSatisfying(BlockException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EPERM);
                assertThat(e.getMessage()).endsWith("Block node is read-only");
            });
        }
        assertThat(drv.calls).isEmpty();
    }

    @Test
    void requestsPastTheEndAreEio() throws Exception {
        BlockBackend blk = backend(new MemoryDriver(), "", OpenFlags.RDWR);
        assertThatThrownBy(() -> blk.pwriteZeroes(SIZE - 512, 1024, Set.of())).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThatThrownBy(() -> blk.pdiscard(SIZE, 1)).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    }

    @FunctionalInterface
    interface CheckedCall {
        void run() throws BlockException;
    }
}
