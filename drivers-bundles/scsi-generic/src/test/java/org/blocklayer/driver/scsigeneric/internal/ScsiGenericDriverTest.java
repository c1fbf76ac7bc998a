package org.blocklayer.driver.scsigeneric.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.testing.FakeNode;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ScsiId;
import org.blocklayer.posix.testing.LoopDevice;
import org.blocklayer.posix.testing.OpenFds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Detection (hdev_is_sg) and its errors: on real devices that are not sg (a loop device made by the test, character
 * devices, a regular file, a directory), and on /dev/null behind an ioctl layer that answers as an sg device does,
 * for the positive side on machines without a SCSI subsystem (RealSgDeviceTest takes a real one where there is).
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

    /** An ioctl layer that answers as an sg device does (or fails where told to), recording what it was asked. */
    static final class AnswersAsSg implements SgIoctls {
        final List<String> asked = new ArrayList<>();
        int version = 30536;
        ScsiId id = new ScsiId(2, 0, 1, 0, 5);
        PosixException versionFailure;
        PosixException idFailure;

        @Override
        public int versionNum(Fd fd) throws PosixException {
            asked.add("SG_GET_VERSION_NUM " + fd.path());
            if (versionFailure != null) {
                throw versionFailure;
            }
            return version;
        }

        @Override
        public ScsiId scsiId(Fd fd) throws PosixException {
            asked.add("SG_GET_SCSI_ID " + fd.path());
            if (idFailure != null) {
                throw idFailure;
            }
            return id;
        }
    }

    /**
     * hdev_is_sg's positive side: a character device on which both ioctls succeed is sg; the node is marked so and
     * its length is the size hint in whole sectors (B2: never asked of the device).
     * Breaks if: ScsiGenericDriver.attach no longer marks the node ({@code bs.setSg(false)}).
     */
    @Test
    void aCharacterDeviceAnsweringBothSgIoctlsOpensAsSgWithTheSizeHintRoundedUp_B2_B18() throws Exception {
        AnswersAsSg sg = new AnswersAsSg();
        ScsiGenericDriver detecting = new ScsiGenericDriver(sg);
        long before = OpenFds.openOn("/dev/null");

        detecting.open(fake, new BlockOptions().put("filename", "/dev/null").put("size", "1000"), OpenFlags.RDWR);
        try {
            assertThat(fake.isSg()).isTrue();
            assertThat(fake.totalSectors()).isEqualTo(2);
            SgState state = fake.opaque(SgState.class);
            assertThat(state.sgVersion()).isEqualTo(30536);
            assertThat(state.scsiId()).isEqualTo(new ScsiId(2, 0, 1, 0, 5));
            assertThat(sg.asked).containsExactly("SG_GET_VERSION_NUM /dev/null", "SG_GET_SCSI_ID /dev/null");
            assertThat(OpenFds.openOn("/dev/null")).isEqualTo(before + 1);
        } finally {
            detecting.close(fake);
        }

        FakeNode empty = new FakeNode("sg1");
        detecting.open(empty, new BlockOptions().put("filename", "/dev/null"), 0);
        assertThat(empty.isSg()).isTrue();
        assertThat(empty.totalSectors()).isZero();
        detecting.close(empty);
    }

    /**
     * hdev_is_sg needs both ioctls: a device that gives its sg version but no SCSI id is not sg, and neither ioctl
     * is asked of anything but a character device.
     * Breaks if: SgOpener stops asking SG_GET_SCSI_ID once SG_GET_VERSION_NUM answered ({@code ScsiId id = null;}).
     */
    @Test
    void aDeviceAnsweringTheVersionButNotTheScsiIdIsNotSg_B18() throws Exception {
        AnswersAsSg sg = new AnswersAsSg();
        sg.idFailure = new PosixException(Errno.EINVAL.value(), "SG_GET_SCSI_ID: Invalid argument");
        ScsiGenericDriver detecting = new ScsiGenericDriver(sg);
        long before = OpenFds.openOn("/dev/null");

        assertThatThrownBy(() -> detecting.open(fake, new BlockOptions().put("filename", "/dev/null"), 0))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("'/dev/null' is not a SCSI generic device (SG_GET_SCSI_ID: Invalid argument)");
        assertThat(sg.asked).containsExactly("SG_GET_VERSION_NUM /dev/null", "SG_GET_SCSI_ID /dev/null");
        nothingWasSetOnTheNode();
        assertThat(OpenFds.openOn("/dev/null")).isEqualTo(before);

        sg.asked.clear();
        sg.idFailure = null;
        Path file = Files.write(dir.resolve("b.img"), new byte[512]);
        assertThatThrownBy(() -> detecting.open(fake, new BlockOptions().put("filename", file.toString()), 0))
                .satisfies(e -> errno(e, Errno.EINVAL));
        assertThat(sg.asked).as("no ioctl on a regular file").isEmpty();
        nothingWasSetOnTheNode();
    }

    @Test
    void lengthGoesThroughSgIoOnAWorkerThread() throws Exception {
        // /dev/null standing in for an sg device: the kernel refuses SG_IO there, which proves the command was sent.
        new ScsiGenericDriver(new AnswersAsSg()).open(fake, new BlockOptions().put("filename", "/dev/null"), 0);

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

    /**
     * Close gives back the one descriptor open took, once: a second close leaves alone a descriptor opened since on
     * the same device (it may have the same number), and a node never opened has nothing to give back.
     * Breaks if: ScsiGenericDriver.close no longer closes its state ({@code ProtocolIo.close} without
     * {@code close.accept(state)}).
     */
    @Test
    void closeGivesBackTheDescriptorOnceAndANodeNeverOpenedHasNoneToGive() throws Exception {
        ScsiGenericDriver detecting = new ScsiGenericDriver(new AnswersAsSg());
        long before = OpenFds.openOn("/dev/null");
        detecting.open(fake, new BlockOptions().put("filename", "/dev/null"), 0);
        assertThat(OpenFds.openOn("/dev/null")).isEqualTo(before + 1);

        detecting.close(fake);
        assertThat(OpenFds.openOn("/dev/null")).isEqualTo(before);
        try (Fd other = Posix.open("/dev/null", Posix.O_RDONLY)) {
            detecting.close(fake);
            assertThat(other.isOpen()).isTrue();
            assertThat(OpenFds.openOn("/dev/null")).isEqualTo(before + 1);
        }

        FakeNode never = new FakeNode("never");
        detecting.close(never);
        assertThat(never.opaque(Object.class)).isNull();
        assertThat(OpenFds.openOn("/dev/null")).isEqualTo(before);
    }
}
