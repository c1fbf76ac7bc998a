package org.blocklayer.driver.file.internal;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.AlignedIo;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.FileStat;
import org.blocklayer.posix.FileType;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ProtocolOpen;
import org.blocklayer.posix.ProtocolOptions;

/** Opens the regular file behind a node, as QEMU's {@code raw_open_common} (block/file-posix.c) does. */
final class FileOpener {

    private FileOpener() {
    }

    /**
     * {@code raw_open_common} for the {@code file} driver: the file must exist and be a regular file. With
     * {@code cache.direct} it is opened a second time, O_DIRECT, for reads and writes (see {@link FileState}).
     */
    static FileState open(ProtocolOptions options, boolean unmap) throws BlockException {
        String filename = options.filename();
        boolean writable = options.writable();
        Path path = toPath(filename);
        // QEMU opens first and fstats after; we stat first because open(2) of a FIFO blocks the main loop until
        // a writer shows up. The file can still be swapped in between; that is the user's own race.
        requireRegularFile(filename);
        FileChannel channel;
        try {
            channel = writable ? FileChannel.open(path, READ, WRITE) : FileChannel.open(path, READ);
        } catch (IOException e) {
            throw ProtocolOpen.error(filename, e);
        }
        AlignedIo direct = null;
        try {
            direct = options.direct() ? openDirect(filename, writable) : null;
            Fd fd = direct != null ? direct.fd() : openPlain(filename, writable);
            return new FileState(filename, channel, writable, direct, fd, unmap, null);
        } catch (BlockException | RuntimeException e) {
            if (direct != null) {
                direct.fd().close();
            }
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** open(2) of the same file again, for the calls a FileChannel cannot make (fallocate, SEEK_DATA). */
    private static Fd openPlain(String filename, boolean writable) throws BlockException {
        try {
            return Posix.open(filename, writable ? Posix.O_RDWR : Posix.O_RDONLY);
        } catch (PosixException e) {
            throw ProtocolOpen.error(filename, e);
        }
    }

    /**
     * open(2) with O_DIRECT, then {@code raw_probe_alignment}: the file system's logical block size, found by the
     * smallest read O_DIRECT accepts.
     */
    private static AlignedIo openDirect(String filename, boolean writable) throws BlockException {
        Fd fd;
        try {
            fd = Posix.open(filename, (writable ? Posix.O_RDWR : Posix.O_RDONLY) | Posix.O_DIRECT);
        } catch (PosixException e) {
            if (e.errno() == Errno.EINVAL) {
                // qemu_open's words: the same file opened without O_DIRECT a moment ago, so O_DIRECT is the
                // reason (tmpfs before Linux 6.6, procfs, some FUSE file systems).
                throw new BlockException(Errno.EINVAL,
                        "Could not open '" + filename + "': filesystem does not support O_DIRECT", e);
            }
            throw ProtocolOpen.error(filename, e);
        }
        try {
            return new AlignedIo(fd, AlignedIo.probeAlignment(fd));
        } catch (PosixException e) {
            fd.close();
            throw e.toBlockException("Could not open '" + filename + "'");
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

    /**
     * stat(2) through FFM, so a failure carries the kernel's errno (ELOOP for a symlink loop, ENAMETOOLONG, ENOTDIR),
     * then QEMU's check of the file type ({@code raw_open_common}: "'file' driver requires '%s' to be a regular
     * file"), with what the file is instead. Only a block device gets the host_device hint: /dev/null or a FIFO
     * is no block device, and host_device would refuse it too.
     */
    private static void requireRegularFile(String filename) throws BlockException {
        FileStat st;
        try {
            st = Posix.stat(filename);
        } catch (PosixException e) {
            throw ProtocolOpen.error(filename, e);
        }
        if (st.type() == FileType.DIRECTORY) {
            // QEMU 7.2 opens a directory read-only and fails later with "'file' driver requires ... to be a
            // regular file" (EINVAL); we refuse at once with what open(O_RDWR) says.
            throw couldNotOpen(filename, Errno.EISDIR);
        }
        if (st.type() != FileType.REGULAR) {
            String hint = st.type() == FileType.BLOCK_DEVICE ? "; use driver host_device for block devices" : "";
            throw new BlockException(Errno.EINVAL, "'file' driver requires '" + filename
                    + "' to be a regular file (it is " + st.type().description() + hint + ")");
        }
    }

    private static BlockException couldNotOpen(String filename, Errno errno) {
        return new BlockException(errno, "Could not open '" + filename + "': " + errno.description());
    }
}
