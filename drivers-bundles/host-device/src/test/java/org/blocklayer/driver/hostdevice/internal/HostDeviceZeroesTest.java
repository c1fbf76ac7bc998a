package org.blocklayer.driver.hostdevice.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

import org.blocklayer.api.driver.BlockStatus.Status;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.testing.FakeNode;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.testing.DiskDir;
import org.blocklayer.posix.testing.LoopDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Write zeroes, discard and block status of {@code host_device} on real loop devices over files of a disk file
 * system ({@link DiskDir}), whose holes show what reached the device: QEMU's hdev_co_pwrite_zeroes,
 * hdev_co_pdiscard, and the block status QEMU gives a driver without the callback.
 */
class HostDeviceZeroesTest {
    private static final int KIB = 1024;
    private static final int SIZE = 4 * 1024 * KIB;
    private static final Set<RequestFlag> NONE = EnumSet.noneOf(RequestFlag.class);

    private final HostDeviceDriver driver = new HostDeviceDriver();
    private final FakeNode bs = new FakeNode("n0");
    private DiskDir disk;
    private Path backing;
    private LoopDevice loop;

    @BeforeEach
    void disk() throws Exception {
        disk = DiskDir.create();
    }

    @AfterEach
    void closeDetachAndRemove() throws Exception {
        try {
            driver.close(bs);
            if (loop != null) {
                loop.close();
            }
        } finally {
            disk.close();
        }
    }

    /** A loop device over a fully written file of 0xAB bytes. */
    private String device() throws Exception {
        backing = disk.resolve("backing.img");
        byte[] data = new byte[SIZE];
        Arrays.fill(data, (byte) 0xAB);
        Files.write(backing, data);
        loop = LoopDevice.attach(backing, false);
        return loop.device;
    }

    private void open(int flags, String... more) throws Exception {
        BlockOptions options = new BlockOptions().put("filename", device());
        for (int i = 0; i < more.length; i += 2) {
            options.put(more[i], more[i + 1]);
        }
        driver.open(bs, options, flags);
    }

    private byte[] backingBytes(long offset, int length) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    /** Whether the backing file has a hole covering the range: the loop device passed a deallocation on. */
    private boolean backingHoleAt(long offset, long length) throws Exception {
        try (var fd = Posix.open(backing.toString(), Posix.O_RDONLY)) {
            try {
                return Posix.seekData(fd, offset) >= offset + length;
            } catch (PosixException e) {
                return e.errno() == Errno.ENXIO;
            }
        }
    }

    private static void errno(Throwable e, Errno expected) {
        assertThat(e).isInstanceOfSatisfying(BlockException.class, b -> assertThat(b.errno()).isEqualTo(expected));
    }

    @Test
    void writeZeroesWithCacheDirectIsBlkZerooutOnTheWorkerPool() throws Exception {
        open(OpenFlags.RDWR, "cache.direct", "on");

        driver.coPwriteZeroes(bs, 64 * KIB, 128 * KIB, NONE);

        assertThat(backingBytes(64 * KIB, 128 * KIB)).containsOnly((byte) 0);
        assertThat(backingBytes(0, 64 * KIB)).containsOnly((byte) 0xAB);
        assertThat(backingBytes(192 * KIB, 64 * KIB)).containsOnly((byte) 0xAB);
        assertThat(bs.poolCalls()).isEqualTo(1);
    }

    @Test
    void writeZeroesWithoutCacheDirectIsEnotsupAsQemusHasWriteZeroesWithoutASystemCall() throws Exception {
        open(OpenFlags.RDWR);

        assertThatThrownBy(() -> driver.coPwriteZeroes(bs, 0, 64 * KIB, NONE))
                .satisfies(e -> errno(e, Errno.ENOTSUP))
                .hasMessage("node 'n0', driver 'host_device': Could not write zeroes to '" + loop.device + "' at offset"
                        + " 0, 65536 bytes: BLKZEROOUT is used only with cache.direct=on");
        assertThat(bs.poolCalls()).isZero();
        assertThat(backingBytes(0, 64 * KIB)).containsOnly((byte) 0xAB);
    }

    @Test
    void writeZeroesWithNoFallbackIsEnotsupSinceBlkZerooutMayWriteZeros() throws Exception {
        open(OpenFlags.RDWR, "cache.direct", "on");

        assertThatThrownBy(() -> driver.coPwriteZeroes(bs, 0, 64 * KIB, EnumSet.of(RequestFlag.NO_FALLBACK)))
                .satisfies(e -> errno(e, Errno.ENOTSUP)).hasMessageContaining("NO_FALLBACK");
        assertThat(backingBytes(0, 64 * KIB)).containsOnly((byte) 0xAB);
    }

    @Test
    void writeZeroesWithMayUnmapPunchesTheDeviceEvenBuffered() throws Exception {
        open(OpenFlags.RDWR);

        driver.coPwriteZeroes(bs, 1024 * KIB, 1024 * KIB, EnumSet.of(RequestFlag.MAY_UNMAP));

        assertThat(backingBytes(1024 * KIB, 1024 * KIB)).containsOnly((byte) 0);
        assertThat(backingHoleAt(1024 * KIB, 1024 * KIB)).as("the loop device punched its backing file").isTrue();
        assertThat(backingBytes(0, 1024 * KIB)).containsOnly((byte) 0xAB);
    }

    @Test
    void writeZeroesOfARangeNotAlignedToTheBlocksIsEnotsupBeforeAnySystemCall() throws Exception {
        open(OpenFlags.RDWR, "cache.direct", "on");

        assertThatThrownBy(() -> driver.coPwriteZeroes(bs, 100, 4096, NONE))
                .satisfies(e -> errno(e, Errno.ENOTSUP)).hasMessageEndingWith("not aligned to the device's 512-byte blocks");
        assertThat(bs.poolCalls()).isZero();
    }

    @Test
    void writeZeroesOnAReadOnlyNodeIsEbadf() throws Exception {
        open(0, "cache.direct", "on");

        assertThatThrownBy(() -> driver.coPwriteZeroes(bs, 0, 4096, NONE)).satisfies(e -> errno(e, Errno.EBADF));
    }

    @Test
    void writeZeroesPastTheEndOfTheDeviceFailsWithTheKernelsErrnoNamingTheRange() throws Exception {
        open(OpenFlags.RDWR, "cache.direct", "on");

        assertThatThrownBy(() -> driver.coPwriteZeroes(bs, SIZE, 4096, NONE))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessageStartingWith("node 'n0', driver 'host_device': Could not write zeroes to '" + loop.device
                        + "' at offset " + SIZE + ", 4096 bytes: ");
    }

    @Test
    void discardIsEnotsupWithDiscardIgnoreTheDefault() throws Exception {
        open(OpenFlags.RDWR);

        assertThatThrownBy(() -> driver.coPdiscard(bs, 0, 1024 * KIB))
                .satisfies(e -> errno(e, Errno.ENOTSUP)).hasMessageEndingWith("the node was opened with discard=ignore");
        assertThat(bs.poolCalls()).isZero();
        assertThat(backingHoleAt(0, 1024 * KIB)).isFalse();
    }

    @Test
    void discardUnmapIsBlkDiscardWhichTheLoopDevicePassesToItsBackingFile() throws Exception {
        open(OpenFlags.RDWR, "discard", "unmap");

        driver.coPdiscard(bs, 2048 * KIB, 1024 * KIB);

        assertThat(backingHoleAt(2048 * KIB, 1024 * KIB)).isTrue();
        assertThat(backingBytes(0, 2048 * KIB)).containsOnly((byte) 0xAB);
        assertThat(bs.poolCalls()).isEqualTo(1);
    }

    @Test
    void discardOnAReadOnlyNodeIsEbadf() throws Exception {
        open(0, "discard", "on");

        assertThatThrownBy(() -> driver.coPdiscard(bs, 0, 4096)).satisfies(e -> errno(e, Errno.EBADF));
    }

    @Test
    void blockStatusIsAlwaysDataAtTheSameOffsetWithoutASystemCall() throws Exception {
        open(0);

        for (boolean wantZero : new boolean[] {false, true}) {
            assertThat(driver.coBlockStatus(bs, wantZero, 4096, SIZE - 4096))
                    .isEqualTo(new Status(Status.DATA | Status.OFFSET_VALID, SIZE - 4096, 4096, bs));
        }
        assertThat(bs.poolCalls()).isZero();
    }
}
