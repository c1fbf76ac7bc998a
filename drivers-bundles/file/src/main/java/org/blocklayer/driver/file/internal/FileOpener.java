package org.blocklayer.driver.file.internal;

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
     * {@code cache.direct} it is opened O_DIRECT (see {@link FileState}).
     */
    static FileState open(ProtocolOptions options, boolean unmap) throws BlockException {
        String filename = options.filename();
        boolean writable = options.writable();
        // QEMU opens first and fstats after; we stat first because open(2) of a FIFO blocks the main loop until
        // a writer shows up. The file can still be swapped in between; that is the user's own race.
        requireRegularFile(filename);
        AlignedIo io = options.direct() ? openDirect(filename, writable)
                : new AlignedIo(openPlain(filename, writable), 1);
        return new FileState(filename, io.fd(), io, options.direct(), writable, unmap, null, null);
    }

    /** open(2) without O_DIRECT. */
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
                // qemu_open's words: the file is a regular one (stat said so), so O_DIRECT is the reason (tmpfs
                // before Linux 6.6, procfs, some FUSE file systems).
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
