package org.blocklayer.driver.scsigeneric.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.testing.FakeNode;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.ScsiId;
import org.blocklayer.posix.testing.LoopDevice;
import org.blocklayer.posix.testing.OpenFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Detection and its errors on real devices that are not sg: a loop device made by the test, character devices,
 * a regular file, a directory. (Machines without a SCSI subsystem have no /dev/sg* to succeed on.)
 */
class ScsiGenericDriverTest {

    private final ScsiGenericDriver driver = new ScsiGenericDriver();
    private final FakeNode fake = new FakeNode("sg0");

    @TempDir
    Path dir;

    @AfterEach
    void closeNode() {
        driver.close(fake);
    }

    private void open(String filename, int flags) throws BlockException {
        driver.open(fake, new BlockOptions().put("filename", filename), flags);
    }

    private void nothingWasSetOnTheNode() {
        assertThat(fake.opaque(SgState.class)).isNull();
        assertThat(fake.isSg()).isFalse();
        assertThat(fake.totalSectors()).isZero();
    }

    private static void errno(Throwable e, Errno expected) {
        assertThat(e).isInstanceOf(BlockException.class);
        assertThat(((BlockException) e).errno()).isEqualTo(expected);
    }

    @Test
    void namesItselfScsiGenericAndHasALengthCallbackCoreNeverUses_B2() {
        assertThat(driver.formatName()).isEqualTo("scsi-generic");
        assertThat(driver.protocolName()).isEqualTo("scsi-generic");
        assertThat(driver).isInstanceOf(GetLength.class);
        assertThat(driver.hasVariableLength()).isFalse();
    }

    @Test
    void loopDeviceIsABlockDeviceNotSg() throws Exception {
        Path backing = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        try (LoopDevice loop = LoopDevice.attach(backing, false)) {
            assertThatThrownBy(() -> open(loop.device, OpenFlags.RDWR))
                    .satisfies(e -> errno(e, Errno.EINVAL))
                    .hasMessage("'" + loop.device + "' is not a SCSI generic device (it is a block device, not a"
                            + " character device); use driver host_device for block devices");
            nothingWasSetOnTheNode();
        }
    }

    @Test
    void devNullIsACharacterDeviceOnWhichSgGetVersionNumFails_X4() {
        assertThatThrownBy(() -> open("/dev/null", OpenFlags.RDWR))
                .satisfies(e -> errno(e, Errno.ENOTTY))
                .hasMessage("'/dev/null' is not a SCSI generic device (SG_GET_VERSION_NUM: Inappropriate ioctl for"
                        + " device)");
        nothingWasSetOnTheNode();
    }

    @Test
    void otherCharacterDevicesAreRefusedToo() {
        for (String device : new String[] {"/dev/zero", "/dev/full", "/dev/urandom"}) {
            if (Files.exists(Path.of(device))) {
                assertThatThrownBy(() -> open(device, 0))
                        .satisfies(e -> assertThat(((BlockException) e).errno()).isIn(Errno.ENOTTY, Errno.EINVAL))
                        .hasMessageStartingWith("'" + device + "' is not a SCSI generic device (SG_GET_VERSION_NUM: ");
            }
        }
        nothingWasSetOnTheNode();
    }

    @Test
    void regularFileDirectoryAndMissingPath() throws Exception {
        Path file = Files.write(dir.resolve("a.img"), new byte[512]);
        Path missing = dir.resolve("nope");

        assertThatThrownBy(() -> open(file.toString(), 0))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("'" + file + "' is not a SCSI generic device (it is a regular file, not a character"
                        + " device); use driver file for regular files");
        assertThatThrownBy(() -> open(dir.toString(), 0))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("'" + dir + "' is not a SCSI generic device (it is a directory, not a character device)");
        assertThatThrownBy(() -> open(missing.toString(), 0))
                .satisfies(e -> errno(e, Errno.ENOENT))
                .hasMessage("Could not open '" + missing + "': No such file or directory");
        assertThatThrownBy(() -> driver.open(fake, new BlockOptions(), 0))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("The 'scsi-generic' block driver requires a file name");
        nothingWasSetOnTheNode();
    }

    @Test
    void badSizeHintIsRefusedBeforeTheDeviceIsOpened() {
        assertThatThrownBy(() -> driver.open(fake,
                new BlockOptions().put("filename", "/dev/null").put("size", "lots"), 0))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessageContaining("'size'");
    }

    @Test
    void refusedOpensLeakNoDescriptor_X4() throws Exception {
        long before = OpenFds.count();

        for (int i = 0; i < 200; i++) {
            assertThatThrownBy(() -> open("/dev/null", 0)).isInstanceOf(BlockException.class);
            assertThatThrownBy(() -> open("/dev/zero", OpenFlags.RDWR)).isInstanceOf(BlockException.class);
        }

        assertThat(OpenFds.openOn("/dev/null")).isZero();
        assertThat(OpenFds.openOn("/dev/zero")).isZero();
        // Not equal: a descriptor an earlier test left to the garbage collector may close meanwhile.
        assertThat(OpenFds.count()).isLessThanOrEqualTo(before);
    }


    @Test
    void unopenedNodeAnswersEbadfNamingNodeAndDriver() {
        assertThatThrownBy(() -> driver.coGetLength(fake))
                .satisfies(e -> errno(e, Errno.EBADF))
                .hasMessage("node 'sg0', driver 'scsi-generic': Could not get the length of it: the node is not open");
        assertThatThrownBy(() -> driver.coPreadv(fake, 0, ByteBuffer.allocate(512), 0))
                .satisfies(e -> errno(e, Errno.EBADF));
    }

    @Test
    void anSgNodeIsMarkedSgWithTheSizeHintRoundedUpToSectors_B2_B18() throws Exception {
        SgState state = new SgState("/dev/null", Posix.open("/dev/null", Posix.O_RDONLY), 30536,
                new ScsiId(0, 0, 0, 0, 0));

        ScsiGenericDriver.attach(fake, state, 1000);

        assertThat(fake.isSg()).isTrue();
        assertThat(fake.totalSectors()).isEqualTo(2);
        ScsiGenericDriver.attach(fake, state, 0);
        assertThat(fake.totalSectors()).isZero();
    }

    @Test
    void lengthGoesThroughSgIoOnAWorkerThread() throws Exception {
        // /dev/null standing in for an sg device: the kernel refuses SG_IO there, which proves the command was sent.
        ScsiGenericDriver.attach(fake, new SgState("/dev/null", Posix.open("/dev/null", Posix.O_RDONLY), 30536,
                new ScsiId(0, 0, 0, 0, 0)), 0);

        assertThatThrownBy(() -> driver.coGetLength(fake))
                .satisfies(e -> errno(e, Errno.ENOTTY))
                .hasMessage("node 'sg0', driver 'scsi-generic': Could not get the length of '/dev/null': Inappropriate"
                        + " ioctl for device");
        assertThat(fake.poolCalls()).isEqualTo(1);
        assertThatThrownBy(() -> driver.coPreadv(fake, 0, ByteBuffer.allocate(512), 0))
                .satisfies(e -> errno(e, Errno.ENOTSUP))
                .hasMessage("node 'sg0', driver 'scsi-generic': Could not read from '/dev/null': a SCSI generic device"
                        + " takes SCSI commands, not reads");
    }

    @Test
    void closeOfNodeNeverOpenedDoesNothing() {
        driver.close(new FakeNode("never"));
    }
}
