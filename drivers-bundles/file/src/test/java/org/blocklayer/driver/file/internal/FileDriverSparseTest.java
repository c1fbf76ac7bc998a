package org.blocklayer.driver.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Write zeroes, discard and block status of the {@code file} driver on real sparse files of a disk file system
 * ({@link DiskDir}): QEMU's raw_co_pwrite_zeroes, raw_co_pdiscard and raw_co_block_status.
 */
class FileDriverSparseTest {
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    private static final Set<RequestFlag> NONE = EnumSet.noneOf(RequestFlag.class);
    private static final Set<RequestFlag> MAY_UNMAP = EnumSet.of(RequestFlag.MAY_UNMAP);

    private final FileDriver driver = new FileDriver();
    private final FakeNode bs = new FakeNode("n0");
    private DiskDir disk;

    @BeforeEach
    void disk() throws Exception {
        disk = DiskDir.create();
    }

    @AfterEach
    void closeNodeAndRemoveFiles() throws Exception {
        driver.close(bs);
        disk.close();
    }

    /** A file of {@code size} bytes, all {@code fill}, every block allocated. */
    private Path full(int size, byte fill) throws Exception {
        byte[] data = new byte[size];
        Arrays.fill(data, fill);
        return Files.write(disk.resolve("full.img"), data);
    }

    /** A sparse file of {@code size} bytes with {@code fill} written at each {@code offsets[i]}, 4 KiB each. */
    private Path sparse(long size, long... offsets) throws Exception {
        Path path = disk.resolve("sparse.img");
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
            byte[] block = new byte[4 * KIB];
            Arrays.fill(block, (byte) 0x11);
            for (long off : offsets) {
                f.seek(off);
                f.write(block);
            }
        }
        return path;
    }

    private void open(Path path, int flags, String... more) throws BlockException {
        BlockOptions options = new BlockOptions().put("filename", path.toString());
        for (int i = 0; i < more.length; i += 2) {
            options.put(more[i], more[i + 1]);
        }
        driver.open(bs, options, flags);
    }

    private static byte[] read(Path path, long offset, int length) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    /** Whether the file has a hole covering {@code [offset, offset + length)}. */
    private static boolean holeAt(Path path, long offset, long length) throws Exception {
        try (var fd = Posix.open(path.toString(), Posix.O_RDONLY)) {
            try {
                return Posix.seekData(fd, offset) >= offset + length;
            } catch (PosixException e) {
                return e.errno() == Errno.ENXIO;
            }
        }
    }

    @Test
    void writeZeroesWithoutMayUnmapZeroesAnUnalignedRangeInPlaceOnTheWorkerPool() throws Exception {
        Path path = full(256 * KIB, (byte) 0xAB);
        open(path, OpenFlags.RDWR);

        driver.coPwriteZeroes(bs, 1000, 70_000, NONE);

        assertThat(read(path, 1000, 70_000)).containsOnly((byte) 0);
        assertThat(read(path, 0, 1000)).containsOnly((byte) 0xAB);
        assertThat(read(path, 71_000, 256 * KIB - 71_000)).containsOnly((byte) 0xAB);
        assertThat(Files.size(path)).isEqualTo(256 * KIB);
        assertThat(bs.poolCalls()).isEqualTo(1);
    }

    @Test
    void writeZeroesPastTheEndGrowsTheFile() throws Exception {
        Path path = full(64 * KIB, (byte) 0xAB);
        open(path, OpenFlags.RDWR);

        driver.coPwriteZeroes(bs, 64 * KIB, 64 * KIB, NONE);

        assertThat(Files.size(path)).isEqualTo(128 * KIB);
        assertThat(driver.coGetLength(bs)).isEqualTo(128 * KIB);
        assertThat(read(path, 64 * KIB, 64 * KIB)).containsOnly((byte) 0);
        assertThat(read(path, 0, 64 * KIB)).containsOnly((byte) 0xAB);
    }

    @Test
    void writeZeroesWithMayUnmapPunchesAHole() throws Exception {
        Path path = full(MIB, (byte) 0xAB);
        open(path, OpenFlags.RDWR);

        driver.coPwriteZeroes(bs, 256 * KIB, 256 * KIB, MAY_UNMAP);

        assertThat(holeAt(path, 256 * KIB, 256 * KIB)).isTrue();
        assertThat(read(path, 256 * KIB, 256 * KIB)).containsOnly((byte) 0);
        assertThat(read(path, 512 * KIB, 512 * KIB)).containsOnly((byte) 0xAB);
        assertThat(Files.size(path)).isEqualTo(MIB);
    }

    @Test
    void writeZeroesWithMayUnmapPastTheEndKeepsTheSizeAsQemusPunchHoleKeepSizeDoes() throws Exception {
        Path path = full(64 * KIB, (byte) 0xAB);
        open(path, OpenFlags.RDWR);

        driver.coPwriteZeroes(bs, 64 * KIB, 64 * KIB, MAY_UNMAP);

        assertThat(Files.size(path)).as("handle_aiocb_write_zeroes_unmap's punch succeeds, KEEP_SIZE")
                .isEqualTo(64 * KIB);
        ByteBuffer back = ByteBuffer.allocate(64 * KIB);
        driver.coPreadv(bs, 64 * KIB, back, 0);
        assertThat(back.array()).containsOnly((byte) 0);
    }

    @Test
    void writeZeroesOnANodeOpenedReadOnlyIsEbadfWithoutASystemCall() throws Exception {
        Path path = full(64 * KIB, (byte) 0xAB);
        open(path, 0);

        assertThatThrownBy(() -> driver.coPwriteZeroes(bs, 0, 4096, NONE))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                .hasMessageStartingWith("node 'n0', driver 'file': Could not write zeroes to '" + path + "'");
        assertThat(bs.poolCalls()).isZero();
        assertThat(read(path, 0, 4096)).containsOnly((byte) 0xAB);
    }

    @Test
    void aFailingFallocateIsItsErrnoNamingNodeDriverAndRange() throws Exception {
        Path path = full(64 * KIB, (byte) 0xAB);
        open(path, OpenFlags.RDWR);

        // fallocate refuses a range that ends past the largest file size (EFBIG), whatever the mode.
        assertThatThrownBy(() -> driver.coPwriteZeroes(bs, Long.MAX_VALUE - 4096, 4096, NONE))
                .isInstanceOfSatisfying(BlockException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.EFBIG))
                .hasMessageStartingWith("node 'n0', driver 'file': Could not write zeroes to '" + path + "' at offset "
                        + (Long.MAX_VALUE - 4096) + ", 4096 bytes");
    }

    @Test
    void discardIsEnotsupWithDiscardIgnoreTheDefaultAndTouchesNothing() throws Exception {
        Path path = full(MIB, (byte) 0xAB);
        open(path, OpenFlags.RDWR);

        assertThatThrownBy(() -> driver.coPdiscard(bs, 0, MIB))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTSUP))
                .hasMessage("node 'n0', driver 'file': Could not discard '" + path + "' at offset 0, " + MIB
                        + " bytes: the node was opened with discard=ignore");
        assertThat(bs.poolCalls()).isZero();
        assertThat(read(path, 0, MIB)).containsOnly((byte) 0xAB);
    }

    @Test
    void discardUnmapPunchesAHoleKeepingTheSize() throws Exception {
        Path path = full(MIB, (byte) 0xAB);
        BlockOptions options = new BlockOptions().put("filename", path.toString()).put("discard", "unmap");
        driver.open(bs, options, OpenFlags.RDWR);
        assertThat(options.keys()).as("discard is the driver's").isEmpty();

        driver.coPdiscard(bs, 512 * KIB, 256 * KIB);

        assertThat(holeAt(path, 512 * KIB, 256 * KIB)).isTrue();
        assertThat(read(path, 512 * KIB, 256 * KIB)).containsOnly((byte) 0);
        assertThat(read(path, 0, 512 * KIB)).containsOnly((byte) 0xAB);
        assertThat(Files.size(path)).isEqualTo(MIB);
        assertThat(bs.poolCalls()).isEqualTo(1);
    }

    @Test
    void discardOnAReadOnlyNodeIsEbadf() throws Exception {
        Path path = full(64 * KIB, (byte) 0xAB);
        open(path, 0, "discard", "on");

        assertThatThrownBy(() -> driver.coPdiscard(bs, 0, 4096))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }

    @Test
    void anInvalidDiscardOptionFailsTheOpen() throws Exception {
        Path path = full(4096, (byte) 0);

        assertThatThrownBy(() -> open(path, 0, "discard", "maybe"))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessageContaining("Invalid discard option");
        assertThat(bs.opaque(FileState.class)).isNull();
    }

    @Test
    void blockStatusWithoutWantZeroIsAllDataAtTheSameOffsetWithoutASystemCall() throws Exception {
        Path path = sparse(4 * MIB);
        open(path, 0);

        Status s = driver.coBlockStatus(bs, false, 4096, 3 * MIB);

        assertThat(s).isEqualTo(new Status(Status.DATA | Status.OFFSET_VALID, 3 * MIB, 4096, bs));
        assertThat(bs.poolCalls()).isZero();
    }

    @Test
    void blockStatusReportsDataUpToTheHoleAndZeroUpToTheData() throws Exception {
        Path path = sparse(4 * MIB, MIB, 3 * MIB);
        open(path, 0);

        assertThat(driver.coBlockStatus(bs, true, 0, 4 * MIB))
                .isEqualTo(new Status(Status.ZERO | Status.OFFSET_VALID, MIB, 0, bs));
        assertThat(driver.coBlockStatus(bs, true, MIB, 4 * MIB - MIB))
                .isEqualTo(new Status(Status.DATA | Status.OFFSET_VALID, 4 * KIB, MIB, bs));
        assertThat(driver.coBlockStatus(bs, true, MIB + 1024, 100))
                .as("never more than asked").isEqualTo(new Status(Status.DATA | Status.OFFSET_VALID, 100, MIB + 1024, bs));
        assertThat(driver.coBlockStatus(bs, true, MIB + 4 * KIB, MIB))
                .isEqualTo(new Status(Status.ZERO | Status.OFFSET_VALID, MIB, MIB + 4 * KIB, bs));
        assertThat(bs.poolCalls()).as("lseek on the event loop, as QEMU's raw_co_block_status").isZero();
    }

    @Test
    void blockStatusInTheTrailingHoleAndPastTheEndIsZeroForTheWholeRange() throws Exception {
        Path path = sparse(4 * MIB, 0);
        open(path, 0);

        assertThat(driver.coBlockStatus(bs, true, 8 * KIB, 4 * MIB - 8 * KIB))
                .isEqualTo(new Status(Status.ZERO | Status.OFFSET_VALID, 4 * MIB - 8 * KIB, 8 * KIB, bs));
        assertThat(driver.coBlockStatus(bs, true, 5 * MIB, 512))
                .isEqualTo(new Status(Status.ZERO | Status.OFFSET_VALID, 512, 5 * MIB, bs));
    }

    @Test
    void blockStatusRoundsAPartialBlockOfDataAtTheEndUpToTheODirectAlignment() throws Exception {
        Path path = disk.resolve("tail.img");
        byte[] data = new byte[4096 + 1000];
        Arrays.fill(data, (byte) 1);
        Files.write(path, data);
        open(path, 0, "cache.direct", "on");
        int alignment = bs.opaque(FileState.class).alignment();

        Status s = driver.coBlockStatus(bs, true, 0, 8192);

        assertThat(s.flags()).isEqualTo(Status.DATA | Status.OFFSET_VALID);
        assertThat(s.bytes()).isEqualTo(Math.min(8192, (5096 + alignment - 1) / alignment * alignment));
    }

    @Test
    void afterCloseEveryNewRequestIsEbadf() throws Exception {
        Path path = full(4096, (byte) 0);
        open(path, OpenFlags.RDWR, "discard", "unmap");
        driver.close(bs);
        bs.setOpaque(null);

        assertThatThrownBy(() -> driver.coPwriteZeroes(bs, 0, 512, NONE))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThatThrownBy(() -> driver.coPdiscard(bs, 0, 512))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThatThrownBy(() -> driver.coBlockStatus(bs, true, 0, 512))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }
}
