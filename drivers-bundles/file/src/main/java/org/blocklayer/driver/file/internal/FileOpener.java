package org.blocklayer.driver.file.internal;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.error.IoErrors;

/** Opens the regular file behind a node, as QEMU's {@code raw_open_common} (block/file-posix.c) does. */
final class FileOpener {

    private FileOpener() {
    }

    /** {@code raw_open_common} for the {@code file} driver: the file must exist and be a regular file. */
    static FileState open(String filename, boolean writable) throws BlockException {
        Path path = toPath(filename);
        // QEMU opens first and fstats after; we stat first because open(2) of a FIFO blocks the main loop until
        // a writer shows up. The file can still be swapped in between; that is the user's own race.
        requireRegularFile(filename, path);
        try {
            FileChannel channel = writable ? FileChannel.open(path, READ, WRITE) : FileChannel.open(path, READ);
            return new FileState(filename, channel, writable);
        } catch (IOException e) {
            throw openError(filename, e);
        }
    }

    private static Path toPath(String filename) throws BlockException {
        if (filename.isEmpty()) {
            // Path.of("") is the working directory; open("") is ENOENT, and that is what QEMU reports.
            throw couldNotOpen(filename, Errno.ENOENT);
        }
        try {
            return Path.of(filename);
        } catch (InvalidPathException e) {
            throw couldNotOpen(filename, Errno.EINVAL);
        }
    }

    private static void requireRegularFile(String filename, Path path) throws BlockException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            throw openError(filename, e);
        }
        if (attributes.isDirectory()) {
            // QEMU 7.2 opens a directory read-only and fails later with "'file' driver requires ... to be a
            // regular file" (EINVAL); we refuse at once with what open(O_RDWR) says.
            throw couldNotOpen(filename, Errno.EISDIR);
        }
        if (!attributes.isRegularFile()) {
            throw new BlockException(Errno.EINVAL,
                    "'" + filename + "' is not a regular file; use driver host_device for block devices");
        }
    }

    private static BlockException openError(String filename, IOException e) {
        BlockException error = IoErrors.toBlockException("Could not open '" + filename + "'", e);
        // raw_open_common reports EROFS as EACCES, the errno callers test to retry read-only.
        return error.errno() == Errno.EROFS ? new BlockException(Errno.EACCES, error.getMessage(), e) : error;
    }

    private static BlockException couldNotOpen(String filename, Errno errno) {
        return new BlockException(errno, "Could not open '" + filename + "': " + errno.description());
    }
}
