package org.blocklayer.driver.qcow2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.RequestFlag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The write path against QEMU's tools (B56, B57): after blocklayer's writes, zeroes, discards and resizes,
 * {@code qemu-img check} is clean, {@code qemu-img compare} against a raw image given the same writes says identical,
 * and {@code qemu-img map} equals {@code block:map}.
 */
class Qcow2WriteTest {
    @TempDir
    Path dir;
    private Qcow2Fixture f;

    @BeforeEach
    void setUp() {
        f = new Qcow2Fixture(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    /** The same operations on a qcow2 node and on a raw one. */
    private record Pair(BlockBackend qcow2, BlockBackend raw) {
        void write(long offset, int length, int value) throws Exception {
            byte[] b = new byte[length];
            Arrays.fill(b, (byte) value);
            qcow2.pwrite(offset, ByteBuffer.wrap(b));
            raw.pwrite(offset, ByteBuffer.wrap(b));
        }

        void zeroes(long offset, long length, boolean unmap) throws Exception {
            Set<RequestFlag> flags = unmap ? EnumSet.of(RequestFlag.MAY_UNMAP) : EnumSet.noneOf(RequestFlag.class);
            qcow2.pwriteZeroes(offset, length, flags);
            raw.pwriteZeroes(offset, length, EnumSet.noneOf(RequestFlag.class));
        }

        void discard(long offset, long length) throws Exception {
            qcow2.pdiscard(offset, length);
            // A discard leaves what reads back to the format: the shadow learns it from the qcow2 node.
            byte[] b = new byte[(int) length];
            qcow2.pread(offset, ByteBuffer.wrap(b));
            raw.pwrite(offset, ByteBuffer.wrap(b));
        }

        void resize(long size) throws Exception {
            qcow2.truncate(size);
            raw.truncate(size);
        }
    }

    private Pair pair(Path qcow2, Path raw, String extra) throws Exception {
        f.open(qcow2, "q", true, "discard=unmap" + (extra.isEmpty() ? "" : "," + extra));
        f.open(raw, "r", true, "driver=raw");
        return new Pair(f.backend("q", true), f.backend("r", true));
    }

    /**
     * PREFIXtop.qcow2 (64 KiB clusters, {@code topSize}) over PREFIXbase.qcow2 ({@code baseSize} of 0x5a), and
     * PREFIXtop.raw with the same bytes: the pair for copy-on-write from a backing file.
     */
    private Pair overlay(String prefix, String baseSize, String topSize) throws Exception {
        Path base = dir.resolve(prefix + "base.qcow2");
        Path top = dir.resolve(prefix + "top.qcow2");
        Path raw = dir.resolve(prefix + "top.raw");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", base.toString(), baseSize).ok();
        Qcow2Fixture.qemuIo(base, "qcow2", "write -P 0x5a 0 " + baseSize);
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=65536", "-b", base.toString(), "-F",
                "qcow2", top.toString(), topSize).ok();
        Qcow2Fixture.run("qemu-img", "convert", "-O", "raw", top.toString(), raw.toString()).ok();
        return pair(top, raw, "");
    }

    /** check, compare and map, with the image closed by blocklayer first (its lock released). */
    private void assertLikeQemu(Path qcow2, Path raw, List<String> map) throws Exception {
        f.close();
        f = new Qcow2Fixture(dir);
        Qcow2Fixture.assertChecksClean(qcow2);
        Qcow2Fixture.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), qcow2.toString()).ok();
        assertThat(map).isEqualTo(QemuMap.of(qcow2));
    }

    @ParameterizedTest(name = "compat={0} cluster_size={1}")
    @MethodSource("org.blocklayer.driver.qcow2.internal.Qcow2Fixture#layouts")
    void writesZeroesDiscardsAndGrowthCheckCleanAndCompareIdentical_B57(String compat, int cluster)
            throws Exception {
        Path img = dir.resolve("w.qcow2");
        Path raw = dir.resolve("w.raw");
        long size = 6L * 1024 * 1024;
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "compat=" + compat + ",cluster_size=" + cluster,
                img.toString(), Long.toString(size)).ok();
        Qcow2Fixture.run("qemu-img", "create", "-f", "raw", raw.toString(), Long.toString(size)).ok();
        Pair p = pair(img, raw, "");
        p.write(0, 4096, 0x11);
        p.write(1000, 70_000, 0x22);
        p.write(3L << 20, 1 << 20, 0x33);
        p.write(5_000_000, 3, 0x44);
        p.write(1000, 10, 0x55);
        p.zeroes(3L << 20, 2L << 20, false);
        p.write((3L << 20) + 100, 200, 0x66);
        p.zeroes(0, 64 * 1024, true);
        p.discard(2L << 20, 2L << 20);
        p.resize(9L * 1024 * 1024);
        p.write(8L << 20, 300_000, 0x77);
        p.qcow2().flush();
        assertThat(f.readAll(p.qcow2())).isEqualTo(f.readAll(p.raw()));
        List<String> map = QemuMap.of(p.qcow2().map(0, p.qcow2().getLength()));
        assertLikeQemu(img, raw, map);
    }

    @Test
    void partialWritesCopyTheRestOfTheClusterFromTheBackingFile_B56() throws Exception {
        Path top = dir.resolve("top.qcow2");
        Path raw = dir.resolve("top.raw");
        Pair p = overlay("", "2M", "3M");
        p.write(100, 10, 0x01);
        p.write(65536 * 3 - 5, 10, 0x02);
        p.write((2L << 20) - 100, 300, 0x03);
        p.zeroes(512 * 1024, 65536, false);
        p.discard(1L << 20, 65536);
        p.qcow2().flush();
        assertThat(f.readAll(p.qcow2())).isEqualTo(f.readAll(p.raw()));
        List<String> map = QemuMap.of(p.qcow2().map(0, p.qcow2().getLength()));
        assertLikeQemu(top, raw, map);
    }

    /**
     * Allocating writes move their data outside the image lock; sixteen at once into the same unallocated clusters of
     * an overlay (each copying the rest of its cluster from the backing file) must all survive: a second write to a
     * cluster waits for the first one's link ({@code handle_dependencies}) instead of copying the old contents over it.
     */
    @Test
    void concurrentAllocatingWritesIntoOneClusterKeepEveryWrite() throws Exception {
        Path top = dir.resolve("ctop.qcow2");
        Path raw = dir.resolve("ctop.raw");
        Pair p = overlay("c", "1M", "1M");
        int writers = 16;
        CountDownLatch done = new CountDownLatch(writers);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        f.scheduler.callInMainLoop(() -> {
            for (int i = 0; i < writers; i++) {
                // Two per cluster of the first eight, 4 KiB apart, and one straddling two clusters.
                long offset = i == writers - 1 ? 65536 * 8 - 2048 : (i / 2) * 65536L + (i % 2) * 8192 + 512;
                int value = 0x10 + i;
                f.scheduler.start(f.scheduler.mainContext(), () -> {
                    try {
                        byte[] b = new byte[4096];
                        Arrays.fill(b, (byte) value);
                        p.qcow2().pwrite(offset, ByteBuffer.wrap(b));
                        p.raw().pwrite(offset, ByteBuffer.wrap(b));
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        done.countDown();
                    }
                });
            }
            return null;
        });
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failure.get()).isNull();
        f.close();
        f = new Qcow2Fixture(dir);
        Qcow2Fixture.assertChecksClean(top);
        Qcow2Fixture.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), top.toString()).ok();
    }

    /** Bytes the file takes on disk: stat's blocks, in 512-byte units. */
    private static long allocated(Path file) throws Exception {
        return Long.parseLong(Qcow2Fixture.run("stat", "-c", "%b", file.toString()).ok().out().strip()) * 512;
    }

    /**
     * A guest discard frees clusters and, with {@code discard=unmap} (pass-discard-request's default then), discards
     * them on the file too, as QEMU's qcow2_process_discards: the image takes less room and checks clean; with
     * {@code pass-discard-request=off} the file keeps them. Breaks if: DiscardQueue.process is never reached, or
     * ClusterAllocator.free stops queueing the clusters it frees.
     */
    @Test
    void discardedClustersAreDiscardedOnTheFileWithUnmap() throws Exception {
        for (boolean pass : new boolean[] {true, false}) {
            Path img = dir.resolve("d" + pass + ".qcow2");
            Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=65536", img.toString(), "8M")
                    .ok();
            f.open(img, "d", true, "discard=unmap" + (pass ? "" : ",pass-discard-request=off"));
            BlockBackend blk = f.backend("d", true);
            byte[] data = new byte[4 << 20];
            Arrays.fill(data, (byte) 0x3c);
            blk.pwrite(0, ByteBuffer.wrap(data));
            blk.flush();
            long before = allocated(img);
            blk.pdiscard(0, 4 << 20);
            blk.flush();
            long after = allocated(img);
            f.close();
            f = new Qcow2Fixture(dir);
            if (pass) {
                assertThat(before - after).as("bytes given back to the file system").isGreaterThanOrEqualTo(3 << 20);
            } else {
                assertThat(before - after).as("nothing given back").isLessThan(1 << 20);
            }
            Qcow2Fixture.assertChecksClean(img);
            Qcow2Fixture.qemuIo(img, "qcow2", "read -P 0 0 4M");
        }
    }

    @Test
    void aDriverSwapLosesNoAcknowledgedWrite_X2() throws Exception {
        Path img = dir.resolve("swap.qcow2");
        Path raw = dir.resolve("swap.raw");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=4096", img.toString(), "4M").ok();
        Qcow2Fixture.run("qemu-img", "create", "-f", "raw", raw.toString(), "4M").ok();
        Pair p = pair(img, raw, "");
        p.write(10_000, 50_000, 0x42);
        f.graph.removeDriver(f.qcow2);
        Qcow2Driver again = new Qcow2Driver(f.scheduler);
        f.graph.addDriver(again, "org.blocklayer.driver.qcow2", "test2");
        assertThat(f.graph.info("q").driver()).isEqualTo("qcow2");
        p.write(3_000_000, 5000, 0x43);
        p.qcow2().flush();
        assertThat(f.readAll(p.qcow2())).isEqualTo(f.readAll(p.raw()));
        List<String> map = QemuMap.of(p.qcow2().map(0, p.qcow2().getLength()));
        assertLikeQemu(img, raw, map);
    }

    @Test
    void writesIntoAnImageWithASnapshotCopyItsSharedClustersAndTablesAndKeepTheSnapshot() throws Exception {
        Path img = dir.resolve("snap.qcow2");
        Path raw = dir.resolve("snap.raw");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=4096", img.toString(), "4M").ok();
        Qcow2Fixture.qemuIo(img, "qcow2", "write -P 0x31 0 2M", "write -c -P 0x32 2M 64k");
        Qcow2Fixture.run("qemu-img", "snapshot", "-c", "before", img.toString()).ok();
        Qcow2Fixture.run("qemu-img", "convert", "-O", "raw", img.toString(), raw.toString()).ok();
        Path snapshotBytes = dir.resolve("before.raw");
        Qcow2Fixture.run("qemu-img", "convert", "-O", "raw", "-l", "snapshot.name=before", img.toString(),
                snapshotBytes.toString()).ok();
        Pair p = pair(img, raw, "");
        p.write(1000, 10_000, 0x41);
        p.write((2L << 20) + 100, 5000, 0x42);
        p.zeroes(1L << 20, 64 * 1024, true);
        p.discard(1536 * 1024, 64 * 1024);
        p.qcow2().flush();
        assertThat(f.readAll(p.qcow2())).isEqualTo(f.readAll(p.raw()));
        List<String> map = QemuMap.of(p.qcow2().map(0, p.qcow2().getLength()));
        assertLikeQemu(img, raw, map);
        Path after = dir.resolve("after.raw");
        Qcow2Fixture.run("qemu-img", "convert", "-O", "raw", "-l", "snapshot.name=before", img.toString(),
                after.toString()).ok();
        assertThat(java.nio.file.Files.readAllBytes(after)).isEqualTo(java.nio.file.Files.readAllBytes(snapshotBytes));
    }
}
