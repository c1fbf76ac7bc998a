package org.blocklayer.api.error;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * Turns the JDK's I/O exceptions back into the errno the system call failed with, so drivers report what QEMU
 * would. The JDK keeps only strerror's text for most failures, so the text is matched against strerror(3).
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** The errno behind {@code e}; EIO when nothing more precise is known. */
    public static Errno errnoOf(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        }
        if (e instanceof AccessDeniedException) {
            return Errno.EACCES;
        }
        if (e instanceof FileAlreadyExistsException) {
            return Errno.EEXIST;
        }
        if (e instanceof NotDirectoryException) {
            return Errno.ENOTDIR;
        }
        if (e instanceof DirectoryNotEmptyException) {
            return Errno.EBUSY;
        }
        if (e instanceof ClosedChannelException) {
            return Errno.EBADF;
        }
        String text = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (text != null) {
            String lower = text.toLowerCase(Locale.ROOT);
            for (Errno errno : Errno.values()) {
                if (lower.contains(errno.description().toLowerCase(Locale.ROOT))) {
                    return errno;
                }
            }
        }
        return Errno.EIO;
    }

    /** A BlockException for {@code e}, with {@code what} in front of strerror's text. */
    public static BlockException toBlockException(String what, IOException e) {
        Errno errno = errnoOf(e);
        return new BlockException(errno, what + ": " + errno.description(), e);
    }
}
