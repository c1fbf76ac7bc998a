package org.blocklayer.driver.nbd.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * Which bytes of a read the structured reply chunks have covered so far: content chunks may come in any order but
 * must not overlap, and a successful reply must cover the whole request (proto.md, {@code NBD_CMD_READ}).
 * Adjacent ranges merge; the usual reply (one chunk, or chunks in order) stays one range and allocates nothing.
 */
final class Coverage {
    /** The first range, relative to the request's offset; empty while {@code end == start}. */
    private long start;
    private long end;
    /** Start → end (exclusive) of further disjoint ranges, once chunks come out of order; else null. */
    private TreeMap<Long, Long> more;
    private long total;

    /** Adds {@code [from, from + length)}; false, with nothing added, when it overlaps what is covered. */
    boolean add(long from, long length) {
        long to = from + length;
        if (more == null) {
            if (end == start) {
                start = from;
                end = to;
                total = length;
                return true;
            }
            if (from == end || to == start) {
                start = Math.min(start, from);
                end = Math.max(end, to);
                total += length;
                return true;
            }
            if (from < end && to > start) {
                return false;
            }
            more = new TreeMap<>();
            more.put(start, end);
        }
        return addToMap(from, to, length);
    }

    private boolean addToMap(long from, long to, long length) {
        Map.Entry<Long, Long> before = more.floorEntry(from);
        if (before != null && before.getValue() > from) {
            return false;
        }
        Map.Entry<Long, Long> after = more.ceilingEntry(from);
        if (after != null && after.getKey() < to) {
            return false;
        }
        long newStart = from;
        long newEnd = to;
        if (before != null && before.getValue() == from) {
            newStart = before.getKey();
            more.remove(before.getKey());
        }
        if (after != null && after.getKey() == to) {
            newEnd = after.getValue();
            more.remove(after.getKey());
        }
        more.put(newStart, newEnd);
        total += length;
        return true;
    }

    long total() {
        return total;
    }
}
