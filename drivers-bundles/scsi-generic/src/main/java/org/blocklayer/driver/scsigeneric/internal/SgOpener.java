package org.blocklayer.driver.scsigeneric.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.FileStat;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ProtocolOpen;
import org.blocklayer.posix.ScsiId;

/** Opens a SCSI generic device and makes sure it is one, as QEMU's {@code hdev_is_sg} decides. */
final class SgOpener {

    private SgOpener() {
    }

    /**
     * Opens {@code filename} and keeps it when it is an sg device: a character device (stat, before and after the
     * open) on which {@code ioctls} answer SG_GET_VERSION_NUM and then SG_GET_SCSI_ID.
     */
    static SgState open(String filename, boolean writable, SgIoctls ioctls) throws BlockException {
        // O_NONBLOCK: opening some character devices (a tty waiting for carrier) would block the main loop.
        // SG_IO itself waits for its command whatever the flag says.
        int flags = (writable ? Posix.O_RDWR : Posix.O_RDONLY) | Posix.O_NONBLOCK;
        return ProtocolOpen.device(filename, flags, SgOpener::requireCharDevice, fd -> {
            int version = ask(filename, "SG_GET_VERSION_NUM", () -> ioctls.versionNum(fd));
            ScsiId id = ask(filename, "SG_GET_SCSI_ID", () -> ioctls.scsiId(fd));
            return new SgState(filename, fd, version, id);
        });
    }

    /** {@code hdev_is_sg} first asks stat: an sg device is a character device. */
    private static void requireCharDevice(String filename, FileStat st) throws BlockException {
        if (st.isCharDevice()) {
            return;
        }
        String hint = switch (st.type()) {
            case BLOCK_DEVICE -> "; use driver host_device for block devices";
            case REGULAR -> "; use driver file for regular files";
            default -> "";
        };
        throw new BlockException(Errno.EINVAL, "'" + filename + "' is not a SCSI generic device (it is "
                + st.type().description() + ", not a character device)" + hint);
    }

    private interface Ioctl<T> {
        T call() throws PosixException;
    }

    /**
     * One of {@code hdev_is_sg}'s ioctls: any failure means "not sg". The errno is ENOTTY where the ioctl said so
     * (a character device that is no sg device), else EINVAL.
     */
    private static <T> T ask(String filename, String ioctl, Ioctl<T> call) throws BlockException {
        try {
            return call.call();
        } catch (PosixException e) {
            Errno errno = e.errno() == Errno.ENOTTY ? Errno.ENOTTY : Errno.EINVAL;
            throw new BlockException(errno, "'" + filename + "' is not a SCSI generic device (" + ioctl + ": "
                    + e.reason() + ")", e);
        }
    }
}
