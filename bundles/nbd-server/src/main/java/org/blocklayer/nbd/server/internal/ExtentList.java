package org.blocklayer.nbd.server.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.blocklayer.api.backend.MapEntry;

/**
 * The extents of one block status reply ({@code NBDExtentArray}, {@code blockstatus_to_extents}): the node's map as
 * {@code base:allocation} flags (a hole where there is no data, zero where it reads as zeroes), neighbours with the
 * same flags merged, at most {@code max} extents of at most 4 GiB - 1 each.
 */
final class ExtentList {
    private static final long MAX_LENGTH = 0xffffffffL;

    private long[] lengths = new long[16];
    private int[] flags = new int[16];
    private int count;

    /** The extents of {@code map}, which covers the request; {@code max} is 1 for NBD_CMD_FLAG_REQ_ONE. */
    static ExtentList of(List<MapEntry> map, int max) {
        ExtentList list = new ExtentList();
        for (MapEntry e : map) {
            int f = (e.data() ? 0 : Wire.STATE_HOLE) | (e.zero() ? Wire.STATE_ZERO : 0);
            if (!list.add(e.length(), f, max)) {
                break;
            }
        }
        return list;
    }

    /** {@code nbd_extent_array_add}: false once full. */
    private boolean add(long length, int f, int max) {
        while (length > 0) {
            if (count > 0 && flags[count - 1] == f && lengths[count - 1] < MAX_LENGTH) {
                long n = Math.min(MAX_LENGTH - lengths[count - 1], length);
                lengths[count - 1] += n;
                length -= n;
                continue;
            }
            if (count == max) {
                return false;
            }
            if (count == lengths.length) {
                lengths = Arrays.copyOf(lengths, count * 2);
                flags = Arrays.copyOf(flags, count * 2);
            }
            lengths[count] = 0;
            flags[count] = f;
            count++;
        }
        return true;
    }

    int count() {
        return count;
    }

    long length(int i) {
        return lengths[i];
    }

    int flags(int i) {
        return flags[i];
    }

    /** The descriptors as the wire has them: 32-bit length, 32-bit flags. */
    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(count * 8);
        for (int i = 0; i < count; i++) {
            b.putInt((int) lengths[i]).putInt(flags[i]);
        }
        return b.flip();
    }
}
