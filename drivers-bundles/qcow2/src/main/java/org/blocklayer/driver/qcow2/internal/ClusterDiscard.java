package org.blocklayer.driver.qcow2.internal;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.driver.qcow2.internal.Qcow2Layout.ClusterType;

/**
 * Whole clusters made zero or discarded (block/qcow2-cluster.c: {@code qcow2_subcluster_zeroize} with
 * {@code zero_in_l2_slice}, {@code qcow2_cluster_discard} with {@code discard_in_l2_slice}): the L2 entry changes
 * first, then the refcount of a cluster given up drops. Under the image lock; offsets cluster-aligned, except that
 * the range may end at the image's unaligned end.
 */
final class ClusterDiscard {
    private ClusterDiscard() {
    }

    /** {@code zero_in_l2_slice} for each cluster: the zero flag; the host cluster given up when it may be unmapped. */
    @CoroutineFn
    @GraphRdlock
    static void zeroize(Qcow2State s, long offset, long bytes, boolean mayUnmap) throws BlockException {
        forEachCluster(s, offset, bytes, (t, index) -> {
            long old = t.entry(index);
            ClusterType type = Qcow2Layout.type(old);
            boolean unmap = type == ClusterType.COMPRESSED || (mayUnmap && type.allocated());
            long entry = (unmap ? 0 : old) | Qcow2Layout.OFLAG_ZERO;
            return entry;
        });
    }

    /**
     * {@code discard_in_l2_slice} of a guest discard (not a full one): a discarded cluster reads as zeroes in a
     * version 3 image and is left as it is when it is unallocated without a backing file.
     */
    @CoroutineFn
    @GraphRdlock
    static void discard(Qcow2State s, long offset, long bytes, boolean hasBacking) throws BlockException {
        forEachCluster(s, offset, bytes, (t, index) -> {
            long old = t.entry(index);
            if (hasBacking || Qcow2Layout.type(old).allocated()) {
                return s.header.version() >= 3 ? Qcow2Layout.OFLAG_ZERO : 0;
            }
            return old;
        });
    }

    /** What an L2 entry becomes. */
    @FunctionalInterface
    private interface NewEntry {
        long of(Qcow2Cache.Table table, int index);
    }

    @CoroutineFn
    @GraphRdlock
    private static void forEachCluster(Qcow2State s, long offset, long bytes, NewEntry rule) throws BlockException {
        int cs = s.clusterSize();
        int l2Mask = (1 << s.header.l2Bits()) - 1;
        for (long g = offset; g < offset + bytes; g += cs) {
            long table = s.map.writableTable(g);
            Qcow2Cache.Table t = s.l2Cache.get(table);
            int index = (int) ((g >>> s.clusterBits()) & l2Mask);
            long old = t.entry(index);
            long entry = rule.of(t, index);
            if (entry == old) {
                continue;
            }
            t.setEntry(index, entry);
            t.dirty = true;
            boolean keeps = (entry & Qcow2Layout.L2E_OFFSET_MASK) == (old & Qcow2Layout.L2E_OFFSET_MASK)
                    && Qcow2Layout.type(old) != ClusterType.COMPRESSED;
            if (Qcow2Layout.type(old).allocated() && !keeps) {
                s.allocator.freeAny(old);
            }
        }
    }
}
