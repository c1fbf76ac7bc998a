package org.blocklayer.driver.hostdevice.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.testing.FakeNode;
import org.blocklayer.posix.testing.LoopDevice;
import org.blocklayer.posix.testing.OpenFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver on real loop devices, each made by the test over a temporary file and detached after it. */
class HostDeviceDriverTest {
    private static final int SIZE = 4 * 1024 * 1024;

    private final HostDeviceDriver driver = new HostDeviceDriver();
    private final FakeNode fake = new FakeNode("n0");

    @TempDir
    Path dir;

    private Path backing;
    private LoopDevice loop;

    @AfterEach
    void closeAndDetach() throws Exception {
        try {
            driver.close(fake);
        } finally {
            if (loop != null) {
                loop.close();
            }
        }
    }

    /** A loop device over a {@code size}-byte file whose bytes are a known pseudo-random pattern. */
    private String device(int size, boolean readOnly) throws Exception {
        backing = dir.resolve("backing.img");
        Files.write(backing, pattern(size));
        loop = LoopDevice.attach(backing, readOnly);
        return loop.device;
    }

    private static byte[] pattern(int size) {
        byte[] data = new byte[size];
        new Random(42).nextBytes(data);
        return data;
    }

    private void open(String filename, int flags, String... more) throws BlockException {
        BlockOptions options = new BlockOptions().put("filename", filename);
        for (int i = 0; i < more.length; i += 2) {
            options.put(more[i], more[i + 1]);
        }
        driver.open(fake, options, flags);
    }

    private static void errno(Throwable e, Errno expected) {
        assertThat(e).isInstanceOf(BlockException.class);
        assertThat(((BlockException) e).errno()).isEqualTo(expected);
    }

    @Test
    void namesItselfHostDeviceAndIsNotVariableLength_B10() throws Exception {
        assertThat(driver.formatName()).isEqualTo("host_device");
        assertThat(driver.protocolName()).isEqualTo("host_device");
        assertThat(driver.hasVariableLength()).isFalse();
        assertThat(driver).isInstanceOf(GetLength.class);
        BlockOptions options = new BlockOptions();
        driver.parseFilename("host_device:/dev/loop0", options);
        assertThat(options.get("filename")).isEqualTo("/dev/loop0");
    }

    @Test
    void lengthIsTheBackingFileSizeByLseekWithoutWorkerThread() throws Exception {
        open(device(SIZE + 512, false), 0);

        assertThat(driver.coGetLength(fake)).isEqualTo(SIZE + 512);
        assertThat(fake.poolCalls()).isZero();
        assertThat(fake.isSg()).as("a block device is never sg (B18 is the scsi-generic driver's)").isFalse();
    }

    @Test
    void openTakesFilenameAioCacheDirectAndLockingButLeavesOptionsItDoesNotImplement() throws Exception {
        BlockOptions options = new BlockOptions().put("filename", device(SIZE, false)).put("aio", "threads")
                .put("cache.direct", "off").put("locking", "off").put("x-check-cache-dropped", "on");

        driver.open(fake, options, 0);

        assertThat(options.keys()).containsExactly("x-check-cache-dropped");
    }

    @Test
    void writeThenReadBackAndFlushReachesTheBackingFile() throws Exception {
        open(device(SIZE, false), OpenFlags.RDWR);

        driver.coPwritev(fake, 1000, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), 0);
        driver.coFlush(fake);
        ByteBuffer back = ByteBuffer.allocate(5);
        driver.coPreadv(fake, 1000, back, 0);

        assertThat(new String(back.array(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(fake.poolCalls()).isEqualTo(3);
        byte[] onDisk = Files.readAllBytes(backing);
        assertThat(new String(onDisk, 1000, 5, StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(Arrays.copyOfRange(onDisk, 0, 1000)).isEqualTo(Arrays.copyOfRange(pattern(SIZE), 0, 1000));
    }

    @Test
    void readsTheDeviceContentsIntoHeapAndDirectBuffers() throws Exception {
        open(device(SIZE, false), 0);
        byte[] expected = Arrays.copyOfRange(pattern(SIZE), 12345, 12345 + 70000);

        ByteBuffer heap = ByteBuffer.allocate(70000);
        driver.coPreadv(fake, 12345, heap, 0);
        ByteBuffer direct = ByteBuffer.allocateDirect(70000);
        driver.coPreadv(fake, 12345, direct, 0);

        assertThat(heap.hasRemaining()).isFalse();
        assertThat(heap.array()).isEqualTo(expected);
        byte[] fromDirect = new byte[70000];
        direct.flip().get(fromDirect);
        assertThat(fromDirect).isEqualTo(expected);
    }

    @Test
    void directIoWithUnalignedRequestsGoesThroughTheBounceBufferAndKeepsNeighbours() throws Exception {
        open(device(SIZE, false), OpenFlags.RDWR, "cache.direct", "on");
        DeviceState state = fake.opaque(DeviceState.class);
        assertThat(state.direct()).isTrue();
        assertThat(state.alignment()).isEqualTo(512);

        driver.coPwritev(fake, 1000, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), 0);
        ByteBuffer back = ByteBuffer.allocate(5);
        driver.coPreadv(fake, 1000, back, 0);
        driver.coFlush(fake);

        assertThat(new String(back.array(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        byte[] expected = pattern(SIZE);
        System.arraycopy("hello".getBytes(StandardCharsets.US_ASCII), 0, expected, 1000, 5);
        assertThat(Arrays.equals(Files.readAllBytes(backing), expected)).as("only those 5 bytes changed").isTrue();
    }

    @Test
    void directIoThroughTheNocacheFlagWithAlignedAndLongUnalignedRequests() throws Exception {
        open(device(SIZE, false), OpenFlags.RDWR | OpenFlags.NOCACHE);
        byte[] expected = pattern(SIZE);

        ByteBuffer aligned = ByteBuffer.allocateDirect(8192 + 4096).alignedSlice(4096).limit(8192);
        aligned.put(0, new byte[8192]);
        driver.coPwritev(fake, 4096, aligned, 0);
        Arrays.fill(expected, 4096, 4096 + 8192, (byte) 0);

        byte[] big = new byte[(1 << 20) * 2 + 777];
        Arrays.fill(big, (byte) 0x7E);
        driver.coPwritev(fake, 300, ByteBuffer.wrap(big), 0);
        System.arraycopy(big, 0, expected, 300, big.length);

        ByteBuffer all = ByteBuffer.allocate(SIZE - 3);
        driver.coPreadv(fake, 1, all, 0);
        assertThat(Arrays.equals(all.array(), Arrays.copyOfRange(expected, 1, SIZE - 2))).isTrue();
        driver.coFlush(fake);
        assertThat(Arrays.equals(Files.readAllBytes(backing), expected)).isTrue();
    }

    @Test
    void readAcrossTheEndOfTheDeviceFillsTheRestWithZeros() throws Exception {
        open(device(SIZE, false), 0, "cache.direct", "on");
        ByteBuffer buf = ByteBuffer.allocate(1024);
        Arrays.fill(buf.array(), (byte) 0x55);

        driver.coPreadv(fake, SIZE - 100, buf, 0);

        assertThat(buf.hasRemaining()).isFalse();
        assertThat(Arrays.copyOfRange(buf.array(), 0, 100)).isEqualTo(Arrays.copyOfRange(pattern(SIZE), SIZE - 100, SIZE));
        assertThat(Arrays.copyOfRange(buf.array(), 100, 1024)).containsOnly((byte) 0);
    }

    @Test
    void writePastTheEndOfTheDeviceIsEnospc() throws Exception {
        open(device(SIZE, false), OpenFlags.RDWR);

        assertThatThrownBy(() -> driver.coPwritev(fake, SIZE, ByteBuffer.allocate(512), 0))
                .satisfies(e -> errno(e, Errno.ENOSPC))
                .hasMessage("node 'n0', driver 'host_device': Could not write to '" + loop.device + "': "
                        + "No space left on device");
    }

    @Test
    void regularFileIsRefusedPointingAtTheFileDriver() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[512]);

        assertThatThrownBy(() -> open(file.toString(), 0))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("'" + file + "' is not a block device (it is a regular file); use driver file for regular"
                        + " files");
        assertThat(fake.opaque(DeviceState.class)).isNull();
    }

    @Test
    void characterDeviceIsRefusedPointingAtScsiGeneric() {
        assertThatThrownBy(() -> open("/dev/null", OpenFlags.RDWR))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("'/dev/null' is not a block device (it is a character device); for a SCSI generic device"
                        + " (/dev/sg*) use driver scsi-generic");
    }

    @Test
    void directoryIsRefused() {
        assertThatThrownBy(() -> open(dir.toString(), 0))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("'" + dir + "' is not a block device (it is a directory)");
    }

    @Test
    void missingPathIsEnoentAndMissingFilenameEinval() {
        Path missing = dir.resolve("nope");

        assertThatThrownBy(() -> open(missing.toString(), 0))
                .satisfies(e -> errno(e, Errno.ENOENT))
                .hasMessage("Could not open '" + missing + "': No such file or directory");
        assertThatThrownBy(() -> open("", 0))
                .satisfies(e -> errno(e, Errno.ENOENT))
                .hasMessage("Could not open '': No such file or directory");
        assertThatThrownBy(() -> driver.open(fake, new BlockOptions(), 0))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("The 'host_device' block driver requires a file name");
    }

    @Test
    void aioOtherThanThreadsOrIoUringIsRefused() throws Exception {
        String device = device(SIZE, false);

        assertThatThrownBy(() -> open(device, 0, "aio", "native"))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("aio=native was specified, but is not supported in this build.");
        assertThatThrownBy(() -> open(device, 0, "cache.direct", "maybe")).satisfies(e -> errno(e, Errno.EINVAL));
    }

    @Test
    void readOnlyNodeRefusesWritesWithEbadf() throws Exception {
        open(device(SIZE, false), 0);

        assertThatThrownBy(() -> driver.coPwritev(fake, 0, ByteBuffer.allocate(512), 0))
                .satisfies(e -> errno(e, Errno.EBADF))
                .hasMessage("node 'n0', driver 'host_device': Could not write to '" + loop.device + "': "
                        + "Bad file descriptor (the device was opened read-only)");
        assertThat(fake.poolCalls()).isZero();
        driver.coFlush(fake);
    }

    @Test
    void readWriteOpenOfAReadOnlyDeviceIsEaccesAsQemusCheckHdevWritable() throws Exception {
        String device = device(SIZE, true);
        long fdsBefore = OpenFds.count();

        assertThatThrownBy(() -> open(device, OpenFlags.RDWR))
                .satisfies(e -> errno(e, Errno.EACCES))
                .hasMessageStartingWith("The device is not writable: Permission denied");
        assertThat(OpenFds.openOn(device)).isZero();
        assertThat(OpenFds.count()).isLessThanOrEqualTo(fdsBefore);

        open(device, 0);
        assertThat(driver.coGetLength(fake)).isEqualTo(SIZE);
    }

    @Test
    void deviceResizedUnderneathShowsItsNewLengthToTheDriver() throws Exception {
        open(device(SIZE, false), 0);
        assertThat(driver.coGetLength(fake)).isEqualTo(SIZE);

        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(2L * SIZE);
        }
        assertThat(driver.coGetLength(fake)).as("the loop device keeps its size until losetup -c").isEqualTo(SIZE);
        loop.refreshSize();

        // What core's refresh picks up; core's cached total_sectors stays until that refresh (B10).
        assertThat(driver.coGetLength(fake)).isEqualTo(2L * SIZE);
        ByteBuffer tail = ByteBuffer.allocate(512);
        driver.coPreadv(fake, 2L * SIZE - 512, tail, 0);
        assertThat(tail.array()).containsOnly((byte) 0);
    }

    @Test
    void truncateCannotGrowAndLeavesTheDeviceAsItIsOtherwise() throws Exception {
        open(device(SIZE, false), OpenFlags.RDWR);

        assertThatThrownBy(() -> driver.coTruncate(fake, SIZE + 512))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("node 'n0', driver 'host_device': Could not resize '" + loop.device + "': Cannot grow"
                        + " device files (" + (SIZE + 512) + " bytes requested, the device has " + SIZE + ")");
        driver.coTruncate(fake, SIZE);
        driver.coTruncate(fake, 512);

        assertThat(driver.coGetLength(fake)).isEqualTo(SIZE);
    }

    @Test
    void ioAfterCloseIsEbadfNamingNodeAndDriver() throws Exception {
        String device = device(SIZE, false);
        open(device, 0);
        driver.close(fake);
        driver.close(fake);

        assertThatThrownBy(() -> driver.coPreadv(fake, 0, ByteBuffer.allocate(512), 0))
                .satisfies(e -> errno(e, Errno.EBADF))
                .hasMessageStartingWith("node 'n0', driver 'host_device': Could not read from '" + device + "': "
                        + "Bad file descriptor");
        assertThatThrownBy(() -> driver.coGetLength(fake)).satisfies(e -> errno(e, Errno.EBADF));
    }

    @Test
    void openUseAndCloseLeakNoDescriptor_X4() throws Exception {
        String device = device(SIZE, false);
        long before = OpenFds.count();
        assertThat(OpenFds.openOn(device)).isZero();

        for (int i = 0; i < 50; i++) {
            FakeNode node = new FakeNode("n" + i);
            driver.open(node, new BlockOptions().put("filename", device).put("cache.direct", i % 2 == 0 ? "on" : "off"),
                    OpenFlags.RDWR);
            driver.coPreadv(node, 7, ByteBuffer.allocate(100), 0);
            driver.coGetLength(node);
            driver.close(node);
            assertThatThrownBy(() -> open("/dev/null", 0)).isInstanceOf(BlockException.class);
            assertThatThrownBy(() -> open(dir.resolve("nope").toString(), 0)).isInstanceOf(BlockException.class);
        }

        assertThat(OpenFds.openOn(device)).isZero();
        // Not equal: a descriptor an earlier test left to the garbage collector may close meanwhile.
        assertThat(OpenFds.count()).isLessThanOrEqualTo(before);
    }

    /**
     * Close gives back the one descriptor open took, once: a second close leaves alone a descriptor opened since on
     * the same device (it may have the same number), and a node never opened has nothing to give back.
     * Breaks if: HostDeviceDriver.close no longer closes its state ({@code ProtocolIo.close} without
     * {@code close.accept(state)}).
     */
    @Test
    void closeGivesBackTheDescriptorOnceAndANodeNeverOpenedHasNoneToGive() throws Exception {
        String dev = device(SIZE, false);
        open(dev, OpenFlags.RDWR);
        assertThat(OpenFds.openOn(dev)).as("the file and its image locks").isPositive();

        driver.close(fake);
        assertThat(OpenFds.openOn(dev)).isZero();
        try (RandomAccessFile other = new RandomAccessFile(dev, "r")) {
            driver.close(fake);
            assertThat(OpenFds.openOn(dev)).isEqualTo(1);
            assertThat((byte) other.read()).isEqualTo(pattern(1)[0]);
        }

        FakeNode never = new FakeNode("never");
        driver.close(never);
        assertThat(never.opaque(Object.class)).isNull();
        assertThat(OpenFds.openOn(dev)).isZero();
    }
}
