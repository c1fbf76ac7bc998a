package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.testing.DiskDir;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounce and read-modify-write arithmetic against a byte-array model: on a regular file standing in for a
 * device with 512- and 4096-byte blocks, and with real O_DIRECT on a file of a disk file system ({@link DiskDir}).
 */
class AlignedIoTest {
    private static final int SIZE = 3 * 1024 * 1024;

    @TempDir
    Path dir;

    private DiskDir disk;

    @BeforeEach
    void disk() throws Exception {
        disk = DiskDir.create();
    }

    @AfterEach
    void removeDisk() throws Exception {
        disk.close();
    }

    /** 200 random reads and writes, heap and direct buffers, some longer than the bounce buffer. */
    private static void randomRequestsMatchTheModel(AlignedIo io, byte[] model, Random random, int size)
            throws Exception {
        for (int i = 0; i < 200; i++) {
            int length = random.nextInt(i % 20 == 0 ? AlignedIo.MAX_BOUNCE + 10000 : 9000) + 1;
            long offset = random.nextInt(size - length);
            boolean direct = random.nextBoolean();
            if (random.nextBoolean()) {
                byte[] data = new byte[length];
                random.nextBytes(data);
                ByteBuffer buf = direct ? ByteBuffer.allocateDirect(length).put(data).flip() : ByteBuffer.wrap(data);
                assertThat(io.write(offset, buf)).isEqualTo(length);
                assertThat(buf.hasRemaining()).isFalse();
                System.arraycopy(data, 0, model, (int) offset, length);
            } else {
                ByteBuffer buf = direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
                io.read(offset, buf);
                assertThat(buf.hasRemaining()).isFalse();
                byte[] got = new byte[length];
                buf.flip().get(got);
                assertThat(Arrays.equals(got, 0, length, model, (int) offset, (int) offset + length))
                        .as("read %d bytes at %d, alignment %d", length, offset, io.alignment()).isTrue();
            }
        }
    }

    @Test
    void randomUnalignedReadsAndWritesMatchAModel() throws Exception {
        for (int alignment : new int[] {1, 512, 4096}) {
            byte[] model = new byte[SIZE];
            Random random = new Random(alignment);
            random.nextBytes(model);
            Path file = Files.write(dir.resolve("dev" + alignment), model);
            try (Fd fd = Posix.open(file.toString(), Posix.O_RDWR)) {
                randomRequestsMatchTheModel(new AlignedIo(fd, alignment), model, random, SIZE);
            }
            assertThat(Arrays.equals(Files.readAllBytes(file), model)).as("alignment %d", alignment).isTrue();
        }
    }

    @Test
    void withRealODirectRandomRequestsMatchAModelAndAPlainReadSeesTheData() throws Exception {
        byte[] model = new byte[SIZE];
        Random random = new Random(7);
        random.nextBytes(model);
        Path file = Files.write(disk.resolve("direct.img"), model);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDWR | Posix.O_DIRECT)) {
            AlignedIo io = new AlignedIo(fd, AlignedIo.probeAlignment(fd));
            assertThat(io.alignment()).isBetween(512, AlignedIo.MAX_ALIGNMENT);

            randomRequestsMatchTheModel(io, model, random, SIZE);
        }
        assertThat(Arrays.equals(Files.readAllBytes(file), model)).isTrue();
    }

    @Test
    void probeFindsTheSmallestSizeODirectAcceptsOnADiskFile() throws Exception {
        Path file = Files.write(disk.resolve("a.img"), new byte[65536]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDONLY | Posix.O_DIRECT); Arena arena = Arena.ofConfined()) {
            int alignment = AlignedIo.probeAlignment(fd);

            assertThat(Integer.bitCount(alignment)).isOne();
            var buf = arena.allocate(AlignedIo.MAX_ALIGNMENT, AlignedIo.MAX_ALIGNMENT);
            assertThat(Posix.pread(fd, buf.asSlice(0, alignment), 0)).isEqualTo(alignment);
            assertThatThrownBy(() -> Posix.pread(fd, buf.asSlice(0, alignment / 2), 0))
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }
    }

    @Test
    void probeOfAnEmptyFileCannotTellAndSaysMaxAlignmentAsQemu() throws Exception {
        Path file = Files.write(disk.resolve("empty.img"), new byte[0]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDONLY | Posix.O_DIRECT)) {
            assertThat(AlignedIo.probeAlignment(fd)).isEqualTo(AlignedIo.MAX_ALIGNMENT);
        }
    }

    @Test
    void withODirectAReadAcrossAShortLastBlockEndsThereAndReadsZerosAfter() throws Exception {
        byte[] data = new byte[1000];
        Arrays.fill(data, (byte) 0x3C);
        Path file = Files.write(disk.resolve("short.img"), data);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDONLY | Posix.O_DIRECT)) {
            AlignedIo io = new AlignedIo(fd, AlignedIo.probeAlignment(fd));
            for (ByteBuffer buf : new ByteBuffer[] {ByteBuffer.allocate(3000),
                ByteBuffer.allocateDirect(8192).alignedSlice(4096).limit(4096)}) {
                io.read(0, buf);

                buf.flip();
                for (int i = 0; i < buf.limit(); i++) {
                    assertThat(buf.get(i)).as("byte %d", i).isEqualTo(i < 1000 ? (byte) 0x3C : 0);
                }
            }
        }
    }

    @Test
    void withODirectAnUnalignedWritePastTheEndLeavesTheFileAtTheAlignedEndAsQemu() throws Exception {
        Path file = Files.write(disk.resolve("grow.img"), new byte[1000]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDWR | Posix.O_DIRECT)) {
            AlignedIo io = new AlignedIo(fd, AlignedIo.probeAlignment(fd));

            assertThat(io.write(998, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}))).isEqualTo(5);

            byte[] expected = new byte[(int) AlignedIo.alignUp(1003, io.alignment())];
            System.arraycopy(new byte[] {1, 2, 3, 4, 5}, 0, expected, 998, 5);
            assertThat(Files.readAllBytes(file)).isEqualTo(expected);
        }
    }

    @Test
    void readPastTheEndIsZeros() throws Exception {
        Path file = Files.write(dir.resolve("dev"), new byte[1000]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDWR)) {
            ByteBuffer buf = ByteBuffer.allocate(100);
            Arrays.fill(buf.array(), (byte) 1);
            new AlignedIo(fd, 512).read(990, buf);
            assertThat(buf.array()).containsOnly((byte) 0);
        }
    }

    @Test
    void alignmentIsAPowerOfTwo() throws Exception {
        try (Fd fd = Posix.open("/dev/null", Posix.O_RDONLY)) {
            assertThatThrownBy(() -> new AlignedIo(fd, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new AlignedIo(fd, 1000)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void alignmentArithmetic() {
        assertThat(AlignedIo.alignDown(1000, 512)).isEqualTo(512);
        assertThat(AlignedIo.alignUp(1000, 512)).isEqualTo(1024);
        assertThat(AlignedIo.alignUp(1024, 512)).isEqualTo(1024);
        assertThat(AlignedIo.alignDown(7, 1)).isEqualTo(7);
    }
}
