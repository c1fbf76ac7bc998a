package org.blocklayer.driver.file.internal;

import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;

/**
 * Zeroing and deallocating ranges of a regular file with fallocate(2), in the order QEMU's
 * {@code handle_aiocb_write_zeroes_unmap}, {@code handle_aiocb_write_zeroes} and {@code handle_aiocb_discard}
 * (block/file-posix.c) try the modes. Blocking: runs on a worker thread. "Not supported" is QEMU's
 * {@code translate_err} ({@link PosixException#unsupported()}); unlike QEMU, no mode is remembered as unsupported,
 * so a file system that refuses one is asked again on the next request.
 */
final class Fallocate {
    private static final int PUNCH_HOLE = Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE;

    private Fallocate() {
    }

    /**
     * Makes {@code [offset, offset + bytes)} read as zeros; false when no fallocate mode could (the caller answers
     * ENOTSUP, so that the core writes a buffer of zeros). With {@code mayUnmap} a hole is punched first: as in
     * QEMU, that never grows the file, past its end it leaves the size as it is. Without, FALLOC_FL_ZERO_RANGE
     * grows the file past its end; where it is not supported, punching a hole and allocating the range again does,
     * and last, a range wholly past the end is allocated (mode 0).
     *
     * @throws PosixException the errno of the first call that failed for another reason than "not supported" (or
     *                        EINVAL, which some file systems answer for unaligned ranges, and EBUSY for the punch)
     */
    static boolean zeroes(Fd fd, long offset, long bytes, boolean mayUnmap) throws PosixException {
        if (mayUnmap) {
            try {
                Posix.fallocate(fd, PUNCH_HOLE, offset, bytes);
                return true;
            } catch (PosixException e) {
                if (!e.unsupported() && e.errno() != Errno.EINVAL && e.errno() != Errno.EBUSY) {
                    throw e;
                }
            }
        }
        try {
            Posix.fallocate(fd, Posix.FALLOC_FL_ZERO_RANGE, offset, bytes);
            return true;
        } catch (PosixException e) {
            if (!e.unsupported() && e.errno() != Errno.EINVAL) {
                throw e;
            }
        }
        boolean punched;
        try {
            Posix.fallocate(fd, PUNCH_HOLE, offset, bytes);
            punched = true;
        } catch (PosixException e) {
            if (!e.unsupported() && e.errno() != Errno.EINVAL) {
                throw e;
            }
            punched = false;
        }
        if (punched || offset >= Posix.seekEnd(fd)) {
            // After the punch: allocate again what was punched (and grow the file past its end), as QEMU does.
            // Else the last resort, a range wholly past the end.
            try {
                Posix.fallocate(fd, 0, offset, bytes);
                return true;
            } catch (PosixException e) {
                if (!e.unsupported()) {
                    throw e;
                }
            }
        }
        return false;
    }

    /** {@code handle_aiocb_discard} for a regular file: punches a hole, the size unchanged; false if not supported. */
    static boolean discard(Fd fd, long offset, long bytes) throws PosixException {
        try {
            Posix.fallocate(fd, PUNCH_HOLE, offset, bytes);
            return true;
        } catch (PosixException e) {
            if (!e.unsupported()) {
                throw e;
            }
            return false;
        }
    }
}
