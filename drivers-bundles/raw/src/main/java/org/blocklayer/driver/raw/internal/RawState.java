package org.blocklayer.driver.raw.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;

/**
 * QEMU's {@code BDRVRawState}: the window {@code [offset, offset + size)} of the child that a raw node shows, and
 * the arithmetic on it. Pure: no graph, so every rule can be tested on numbers alone.
 */
final class RawState {
    private final long offset;
    private final boolean hasSize;
    /** Rewritten by every length query; volatile because a node can move to another context between queries. */
    private volatile long size;

    private RawState(long offset, boolean hasSize, long size) {
        this.offset = offset;
        this.hasSize = hasSize;
        this.size = size;
    }

    /**
     * {@code raw_apply_options}: checks {@code offset} and {@code size} (null when not given) against the child's
     * length, in QEMU's order.
     */
    static RawState apply(long offset, Long size, long childLength) throws BlockException {
        if (offset > childLength) {
            throw new BlockException(Errno.EINVAL, "Offset (" + offset
                    + ") cannot be greater than size of the containing file (" + childLength + ")");
        }
        if (size != null && childLength - offset < size) {
            // The doubled space is QEMU's own, kept so messages match byte for byte.
            throw new BlockException(Errno.EINVAL, "The sum of offset (" + offset + ") and size (" + size
                    + ") has to be smaller or equal to the  actual size of the containing file (" + childLength + ")");
        }
        // An unaligned size would be rounded up by the sector arithmetic and leak past the window.
        if (size != null && size % BlockNode.SECTOR_SIZE != 0) {
            throw new BlockException(Errno.EINVAL, "Specified size is not multiple of " + BlockNode.SECTOR_SIZE);
        }
        return new RawState(offset, size != null, size != null ? size : childLength - offset);
    }

    long offset() {
        return offset;
    }

    boolean hasSize() {
        return hasSize;
    }

    /**
     * {@code raw_co_truncate}: the child offset that makes the window {@code newSize} long; refused for a fixed-size
     * window, as QEMU does.
     */
    long truncateTo(String node, long newSize) throws BlockException {
        if (hasSize) {
            throw new BlockException(Errno.ENOTSUP, node, RawDriver.NAME, "Cannot resize fixed-size raw disks");
        }
        if (Long.MAX_VALUE - newSize < offset) {
            throw new BlockException(Errno.EINVAL, node, RawDriver.NAME, "Disk size too large for the chosen offset");
        }
        size = newSize;
        return newSize + offset;
    }

    /** The size as last computed. */
    long size() {
        return size;
    }

    /** True when offset or size restrict the child, so raw is no longer a plain pass-through. */
    boolean isLimited() {
        return offset != 0 || hasSize;
    }

    /**
     * {@code raw_co_getlength} (B15): {@code max(0, min(size, childLength - offset))}, stored as the new size. A
     * fixed size never grows back after the child shrank, as in QEMU.
     */
    long refreshLength(long childLength) {
        long newSize;
        if (childLength < offset) {
            newSize = 0;
        } else if (hasSize) {
            newSize = Math.min(size, childLength - offset);
        } else {
            newSize = childLength - offset;
        }
        size = newSize;
        return newSize;
    }

    /**
     * {@code raw_adjust_offset}: the child offset of a request of {@code bytes} at {@code requestOffset}. With a
     * fixed {@code size}, a read beyond it is EINVAL and a write ENOSPC, as QEMU answers. Without one, requests are
     * bounded by the node's length, which core checks, so the zero-padded tail of the last sector stays readable.
     */
    long childOffset(String node, long requestOffset, long bytes, boolean write) throws BlockException {
        long current = size;
        if (hasSize && (requestOffset < 0 || bytes < 0 || requestOffset > current
                || bytes > current - requestOffset)) {
            throw new BlockException(write ? Errno.ENOSPC : Errno.EINVAL, node, RawDriver.NAME,
                    (write ? "Could not write " : "Could not read ") + bytes + " bytes at offset " + requestOffset
                    + ": they reach beyond the node's size (" + current + " bytes)");
        }
        if (requestOffset > Long.MAX_VALUE - offset) {
            throw new BlockException(Errno.EINVAL, node, RawDriver.NAME, "Could not access offset " + requestOffset
                    + " + " + offset + ": it overflows");
        }
        return requestOffset + offset;
    }
}
