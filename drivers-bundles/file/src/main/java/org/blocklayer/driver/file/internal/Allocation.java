package org.blocklayer.driver.file.internal;

import org.blocklayer.api.driver.BlockStatus.Status;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;

/**
 * QEMU's {@code find_allocation} and {@code raw_co_block_status} (block/file-posix.c): where a regular file holds
 * data and where holes, from lseek(SEEK_DATA) and lseek(SEEK_HOLE). Runs on the event loop, as in QEMU: the file
 * system answers from its extent tree.
 */
final class Allocation {

    private Allocation() {
    }

    /**
     * {@code raw_co_block_status} with {@code want_zero}: DATA|OFFSET_VALID up to the next hole, ZERO|OFFSET_VALID
     * up to the next data, ZERO|OFFSET_VALID for all of {@code bytes} in the trailing hole or past the end of the
     * file (ENXIO), DATA|OFFSET_VALID for all of it when the file system cannot tell. {@code map} is the offset
     * itself, {@code file} the node. A data extent that ends in a partial block at the end of the file is rounded
     * up to {@code alignment}, as QEMU rounds to the request alignment; the answer never covers more than
     * {@code bytes}.
     */
    static Status status(BlockNode bs, Fd fd, long offset, long bytes, int alignment) {
        Extent extent = find(fd, offset);
        long pnum;
        int flags;
        if (extent == null) {
            // ENXIO: the trailing hole, or past the end (a file truncated behind our back: treated as a hole).
            pnum = bytes;
            flags = Status.ZERO;
        } else if (extent == Extent.UNKNOWN) {
            // No information: pretend there are no holes.
            pnum = bytes;
            flags = Status.DATA;
        } else if (extent.data == offset) {
            pnum = extent.hole - offset;
            if (pnum % alignment != 0) {
                pnum += alignment - pnum % alignment;
            }
            flags = Status.DATA;
        } else {
            pnum = extent.data - offset;
            flags = Status.ZERO;
        }
        return new Status(flags | Status.OFFSET_VALID, Math.min(pnum, bytes), offset, bs);
    }

    /** Where data and the next hole (or hole and the next data) start; {@link #UNKNOWN} when lseek could not say. */
    private record Extent(long data, long hole) {
        static final Extent UNKNOWN = new Extent(-1, -1);
    }

    /**
     * {@code find_allocation}: {@code offset} in data gives {@code data == offset} and the next hole; {@code offset}
     * in a hole gives {@code hole == offset} and the next data; null for ENXIO (trailing hole or past the end);
     * {@link Extent#UNKNOWN} for any other failure or an answer lseek must not give.
     */
    private static Extent find(Fd fd, long offset) {
        long data;
        try {
            data = Posix.seekData(fd, offset);
        } catch (PosixException e) {
            return e.errno() == Errno.ENXIO ? null : Extent.UNKNOWN;
        }
        if (data < offset) {
            return Extent.UNKNOWN;
        }
        if (data > offset) {
            return new Extent(data, offset);
        }
        long hole;
        try {
            hole = Posix.seekHole(fd, offset);
        } catch (PosixException e) {
            // ENXIO here: truncated since SEEK_DATA, treated as the trailing hole it now is.
            return e.errno() == Errno.ENXIO ? null : Extent.UNKNOWN;
        }
        if (hole <= offset) {
            // Below: invalid. Equal: a hole dug between the two calls (QEMU's EBUSY); neither tells anything.
            return Extent.UNKNOWN;
        }
        return new Extent(offset, hole);
    }
}
