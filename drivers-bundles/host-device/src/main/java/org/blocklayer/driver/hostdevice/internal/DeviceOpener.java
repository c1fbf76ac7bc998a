package org.blocklayer.driver.hostdevice.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.AlignedIo;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.FileStat;
import org.blocklayer.posix.Ioctls;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ProtocolOpen;
import org.blocklayer.posix.ProtocolOptions;

/** Opens the block device behind a node, as QEMU's {@code hdev_open} → {@code raw_open_common} does. */
final class DeviceOpener {

    private DeviceOpener() {
    }

    /**
     * {@code raw_open_common(..., device=true)} for Linux block devices. Unlike QEMU, which accepts any character
     * or block device here, only block devices pass: character devices belong to the scsi-generic driver.
     */
    static DeviceState open(ProtocolOptions options, boolean unmap) throws BlockException {
        String filename = options.filename();
        boolean writable = options.writable();
        boolean direct = options.direct();
        int flags = (writable ? Posix.O_RDWR : Posix.O_RDONLY) | (direct ? Posix.O_DIRECT : 0);
        return ProtocolOpen.device(filename, flags, DeviceOpener::requireBlockDevice, fd -> {
            if (writable) {
                checkWritable(fd);
            }
            return new DeviceState(filename, new AlignedIo(fd, direct ? AlignedIo.probeAlignment(fd) : 1), writable,
                    direct, unmap, null, null);
        });
    }

    private static void requireBlockDevice(String filename, FileStat st) throws BlockException {
        if (st.isBlockDevice()) {
            return;
        }
        String hint = switch (st.type()) {
            case CHAR_DEVICE -> "; for a SCSI generic device (/dev/sg*) use driver scsi-generic";
            case REGULAR -> "; use driver file for regular files";
            default -> "";
        };
        throw new BlockException(Errno.EINVAL,
                "'" + filename + "' is not a block device (it is " + st.type().description() + ")" + hint);
    }

    /**
     * {@code check_hdev_writable}: a block device set read-only (blockdev --setro, losetup -r) still opens O_RDWR and
     * only fails each write with EPERM, so ask BLKROGET and refuse at open, as bdrv_open must.
     */
    private static void checkWritable(Fd fd) throws PosixException, BlockException {
        if (Posix.ioctlGetInt(fd, Ioctls.BLKROGET) != 0) {
            throw new BlockException(Errno.EACCES,
                    "The device is not writable: " + Errno.EACCES.description() + " ('" + fd.path()
                            + "' is a read-only block device)");
        }
    }
}
