package org.blocklayer.posix;

import java.io.IOException;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * How QEMU's {@code raw_open_common} opens the file behind a POSIX protocol node, and how it reports failure. For
 * device files ({@code host_device}, {@code scsi-generic}) the whole sequence: stat before open, since open(2) of a
 * FIFO or a tty would block the main loop; open; fstat after, which catches a file swapped in between; and the
 * descriptor closed again whatever fails after it was opened. Drivers differ only in the file type they accept and
 * in what they ask the open descriptor.
 */
public final class ProtocolOpen {

    /** The file type a driver accepts; checked on stat before the open and on fstat after it. */
    @FunctionalInterface
    public interface TypeCheck {
        /** Returns when {@code st} is a file the driver takes, else throws naming what it is. */
        void require(String filename, FileStat st) throws BlockException;
    }

    /** What a driver asks the open descriptor and keeps of it; a failure closes the descriptor. */
    @FunctionalInterface
    public interface Setup<T> {
        T apply(Fd fd) throws PosixException, BlockException;
    }

    private ProtocolOpen() {
    }

    /**
     * Opens the device file {@code filename} with {@code flags} ({@link Posix#open}). The failures: ENOENT for an
     * empty name, as open("") says; what {@code check} throws; a failed stat, open or setup as
     * {@code Could not open '<filename>': <reason>} (EROFS reported as EACCES, see {@link #error}).
     */
    public static <T> T device(String filename, int flags, TypeCheck check, Setup<T> setup) throws BlockException {
        if (filename.isEmpty()) {
            throw new BlockException(Errno.ENOENT, "Could not open '': " + Errno.ENOENT.description());
        }
        check.require(filename, stat(filename));
        Fd fd;
        try {
            fd = Posix.open(filename, flags);
        } catch (PosixException e) {
            throw error(filename, e);
        }
        try {
            check.require(filename, Posix.fstat(fd));
            return setup.apply(fd);
        } catch (PosixException e) {
            fd.close();
            throw e.toBlockException(couldNotOpen(filename));
        } catch (BlockException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /**
     * {@code raw_open_common}'s report of a failed open: {@code Could not open '<filename>': <reason>}, with EROFS
     * turned into EACCES, the errno callers test to retry read-only.
     */
    public static BlockException error(String filename, IOException e) {
        BlockException error = PosixException.toBlockException(couldNotOpen(filename), e);
        return error.errno() == Errno.EROFS ? new BlockException(Errno.EACCES, error.getMessage(), e) : error;
    }

    private static FileStat stat(String filename) throws BlockException {
        try {
            return Posix.stat(filename);
        } catch (PosixException e) {
            throw e.toBlockException(couldNotOpen(filename));
        }
    }

    private static String couldNotOpen(String filename) {
        return "Could not open '" + filename + "'";
    }
}
