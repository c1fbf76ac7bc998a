package org.blocklayer.driver.hostdevice.internal;

import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;

/**
 * Zeroing and discarding ranges of a block device as QEMU's {@code handle_aiocb_write_zeroes_unmap},
 * {@code handle_aiocb_write_zeroes_block} and {@code handle_aiocb_discard} (block/file-posix.c) do for
 * {@code QEMU_AIO_BLKDEV}. Blocking: runs on a worker thread. "Not supported" is QEMU's {@code translate_err}
 * ({@link PosixException#unsupported()}); false tells the caller to answer ENOTSUP.
 */
final class DeviceZeroes {

    private DeviceZeroes() {
    }

    /**
     * Makes the range read as zeros. With {@code mayUnmap}, first fallocate(PUNCH_HOLE|KEEP_SIZE) on the device,
     * which the kernel does only without a slow fallback (BLKDEV_ZERO_NOFALLBACK); EINVAL, EBUSY or "not supported"
     * go on to BLKZEROOUT. BLKZEROOUT only when {@code blkZeroout} (QEMU's {@code has_write_zeroes}: the device
     * was opened O_DIRECT, since a buffered descriptor may keep stale pages of the range) and not {@code noFallback}
     * (the kernel may write zeros to do it, however slow).
     */
    static boolean zeroes(Fd fd, long offset, long bytes, boolean mayUnmap, boolean blkZeroout, boolean noFallback)
            throws PosixException {
        if (mayUnmap) {
            try {
                Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, offset, bytes);
                return true;
            } catch (PosixException e) {
                if (!e.unsupported() && e.errno() != Errno.EINVAL && e.errno() != Errno.EBUSY) {
                    throw e;
                }
            }
        }
        if (!blkZeroout || noFallback) {
            return false;
        }
        try {
            Posix.blkZeroout(fd, offset, bytes);
            return true;
        } catch (PosixException e) {
            if (!e.unsupported()) {
                throw e;
            }
            return false;
        }
    }

    /** {@code handle_aiocb_discard} for a block device: BLKDISCARD; false if the device cannot discard. */
    static boolean discard(Fd fd, long offset, long bytes) throws PosixException {
        try {
            Posix.blkDiscard(fd, offset, bytes);
            return true;
        } catch (PosixException e) {
            if (!e.unsupported()) {
                throw e;
            }
            return false;
        }
    }
}
