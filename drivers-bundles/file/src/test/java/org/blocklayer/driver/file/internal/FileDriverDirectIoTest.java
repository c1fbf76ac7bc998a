package org.blocklayer.driver.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.testing.FakeNode;
import org.blocklayer.api.testing.Needs;
import org.blocklayer.posix.AlignedIo;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.testing.DiskDir;
import org.blocklayer.posix.testing.LoopDevice;
import org.blocklayer.posix.testing.OpenFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cache.direct=on} (or the NOCACHE flag) on real files of a disk file system ({@link DiskDir}, not /tmp,
 * which may be tmpfs): O_DIRECT really set, aligned and unaligned requests, and what QEMU does at the edges.
 */
class FileDriverDirectIoTest {
    private static final int SIZE = 3 * 1024 * 1024;

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

    private static byte[] pattern(int size) {
        byte[] data = new byte[size];
        new Random(42).nextBytes(data);
        return data;
    }

    private Path image(String name, byte[] data) throws Exception {
        return Files.write(disk.resolve(name), data);
    }

    private void open(Path path, int flags, String... more) throws BlockException {
        BlockOptions options = new BlockOptions().put("filename", path.toString());
        for (int i = 0; i < more.length; i += 2) {
            options.put(more[i], more[i + 1]);
        }
        driver.open(bs, options, flags);
    }

    /** The open(2) flags of every descriptor this process has on {@code path}, O_DIRECT or not. */
    private static List<Boolean> oDirectOn(Path path) throws Exception {
        return OpenFds.flagsOn(path.toString()).stream().map(f -> (f & Posix.O_DIRECT) != 0).toList();
    }

    @Test
    void cacheDirectOnRoundTripsAlignedAndUnalignedRequestsAndAPlainReadSeesThem() throws Exception {
        byte[] expected = pattern(SIZE);
        Path path = image("a.img", expected);
        open(path, OpenFlags.RDWR, "cache.direct", "on");
        assertThat(bs.opaque(FileState.class).direct()).isTrue();
        AlignedIo io = bs.opaque(FileState.class).io();
        assertThat(io.alignment()).as("the file system's logical block size").isBetween(512, 4096);
        // Data, length, flush and truncate through the O_DIRECT one; one for the image locks.
        assertThat(oDirectOn(path)).as("one descriptor for the file, O_DIRECT").containsExactlyInAnyOrder(true,
                false);

        ByteBuffer aligned = ByteBuffer.allocateDirect(8192 + 4096).alignedSlice(4096).limit(8192);
        aligned.put(0, new byte[8192]);
        driver.coPwritev(bs, 4096, aligned, 0);
        Arrays.fill(expected, 4096, 4096 + 8192, (byte) 0);
        driver.coPwritev(bs, 1000, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), 0);
        System.arraycopy("hello".getBytes(StandardCharsets.US_ASCII), 0, expected, 1000, 5);
        byte[] big = new byte[AlignedIo.MAX_BOUNCE * 2 + 777];
        Arrays.fill(big, (byte) 0x7E);
        driver.coPwritev(bs, 300_000, ByteBuffer.wrap(big), 0);
        System.arraycopy(big, 0, expected, 300_000, big.length);

        ByteBuffer unaligned = ByteBuffer.allocate(SIZE - 3);
        driver.coPreadv(bs, 1, unaligned, 0);
        assertThat(Arrays.equals(unaligned.array(), Arrays.copyOfRange(expected, 1, SIZE - 2))).isTrue();
        ByteBuffer alignedBack = ByteBuffer.allocateDirect(8192 + 4096).alignedSlice(4096).limit(8192);
        driver.coPreadv(bs, 0, alignedBack, 0);
        byte[] head = new byte[8192];
        alignedBack.flip().get(head);
        assertThat(head).isEqualTo(Arrays.copyOfRange(expected, 0, 8192));
        driver.coFlush(bs);
        driver.close(bs);

        assertThat(Files.size(path)).isEqualTo(SIZE);
        assertThat(Arrays.equals(Files.readAllBytes(path), expected)).as("a plain buffered read sees it all").isTrue();
    }

    @Test
    void theNocacheFlagAloneOpensODirect() throws Exception {
        Path path = image("a.img", pattern(65536));
        open(path, OpenFlags.NOCACHE);

        assertThat(bs.opaque(FileState.class).direct()).isTrue();
        assertThat(oDirectOn(path)).containsExactlyInAnyOrder(true, false);
        ByteBuffer buf = ByteBuffer.allocate(100);
        driver.coPreadv(bs, 7, buf, 0);
        assertThat(buf.array()).isEqualTo(Arrays.copyOfRange(pattern(65536), 7, 107));
    }

    @Test
    void cacheDirectOffIsBufferedWhateverTheFlagSays() throws Exception {
        Path path = image("a.img", pattern(4096));
        open(path, OpenFlags.NOCACHE, "cache.direct", "off");

        assertThat(bs.opaque(FileState.class).direct()).isFalse();
        assertThat(bs.opaque(FileState.class).alignment()).isEqualTo(1);
        assertThat(oDirectOn(path)).as("the file, and the image locks").containsExactly(false, false);
    }

    @Test
    void readAcrossTheEndOfAFileWithAShortLastBlockFillsZeros() throws Exception {
        byte[] data = pattern(65537);
        open(image("a.img", data), 0, "cache.direct", "on");
        ByteBuffer buf = ByteBuffer.allocate(8192);
        Arrays.fill(buf.array(), (byte) 0x55);

        driver.coPreadv(bs, 65000, buf, 0);

        assertThat(Arrays.copyOfRange(buf.array(), 0, 537)).isEqualTo(Arrays.copyOfRange(data, 65000, 65537));
        assertThat(Arrays.copyOfRange(buf.array(), 537, 8192)).containsOnly((byte) 0);
        assertThat(driver.coGetLength(bs)).isEqualTo(65537);
    }

    @Test
    void anUnalignedWritePastTheEndLeavesTheFileAsQemuIoWithCacheNone() throws Exception {
        Path ours = image("ours.img", new byte[1000]);
        Path theirs = image("theirs.img", new byte[1000]);
        open(ours, OpenFlags.RDWR, "cache.direct", "on");
        byte[] five = new byte[5];
        Arrays.fill(five, (byte) 0x11);

        driver.coPwritev(bs, 998, ByteBuffer.wrap(five), 0);

        // QEMU pads the request to whole blocks, so the file ends on a block boundary.
        int alignment = bs.opaque(FileState.class).alignment();
        assertThat(driver.coGetLength(bs)).isEqualTo((1003 + alignment - 1) / alignment * alignment);
        Needs.tool("qemu-io", "qemu-utils");
        LoopDevice.Result qemu = LoopDevice.run(
                List.of("qemu-io", "-f", "raw", "-t", "none", "-c", "write -P 0x11 998 5", theirs.toString()));
        assertThat(qemu.status()).as(qemu.output()).isZero();
        assertThat(Files.readAllBytes(ours)).isEqualTo(Files.readAllBytes(theirs));
    }

    @Test
    void aFileSystemWithoutODirectIsEinvalInQemusWordsAndLeavesNothingOpen() throws Exception {
        // procfs files are regular files that refuse O_DIRECT on every kernel (as tmpfs did before Linux 6.6).
        String proc = "/proc/version";
        Needs.that(Files.isRegularFile(Path.of(proc)), proc + " as a regular file (procfs mounted on /proc)");

        assertThatThrownBy(() -> open(Path.of(proc), 0, "cache.direct", "on"))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("Could not open '" + proc + "': filesystem does not support O_DIRECT");
        assertThat(OpenFds.openOn(proc)).isZero();
        assertThat(bs.opaque(FileState.class)).isNull();

        Needs.tool("qemu-io", "qemu-utils");
        LoopDevice.Result qemu = LoopDevice.run(List.of("qemu-io", "-f", "raw", "-t", "none", "-r", "-c", "read 0 1",
                proc));
        assertThat(qemu.output()).contains("Could not open '" + proc + "': filesystem does not support O_DIRECT");
    }

    @Test
    void openUseAndCloseWithODirectLeakNoDescriptor() throws Exception {
        Path path = image("a.img", pattern(8192));
        long before = OpenFds.count();

        for (int i = 0; i < 50; i++) {
            FakeNode node = new FakeNode("n" + i);
            driver.open(node, new BlockOptions().put("filename", path.toString()).put("cache.direct", "on"),
                    i % 2 == 0 ? OpenFlags.RDWR : 0);
            driver.coPreadv(node, 7, ByteBuffer.allocate(100), 0);
            driver.close(node);
        }

        assertThat(OpenFds.openOn(path.toString())).isZero();
        assertThat(OpenFds.count()).isLessThanOrEqualTo(before);
    }
}
