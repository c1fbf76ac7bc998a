package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.driver.qcow2.internal.Qcow2Layout.ClusterType;

/**
 * What {@code qcow2_do_open} does before an image is written: the autoclear bits this driver does not maintain are
 * cleared (persistent bitmaps are then known to be stale, as the format asks of a program without bitmap support),
 * and a dirty image (lazy refcounts left behind by a crash) has its refcounts rebuilt from the metadata that
 * references clusters ({@code qcow2_check} with {@code BDRV_FIX_ERRORS | BDRV_FIX_LEAKS}), then the dirty bit is
 * cleared ({@code qcow2_mark_clean}).
 */
final class DirtyRepair {
    private DirtyRepair() {
    }

    @CoroutineFn
    @GraphRdlock
    static void prepareForWriting(Qcow2State s) throws BlockException {
        Qcow2Header h = s.header;
        if (h.version() < 3) {
            return;
        }
        if (h.autoclearFeatures() != 0) {
            s.file.coPwritev(Qcow2Header.OFFSET_AUTOCLEAR, ByteBuffer.allocate(8), 0);
            s.file.coFlush();
            s.header = h = h.withFeatures(h.incompatibleFeatures(), 0);
        }
        if ((h.incompatibleFeatures() & Qcow2Header.INCOMPAT_DIRTY) != 0) {
            rebuildRefcounts(s);
            long incompatible = h.incompatibleFeatures() & ~Qcow2Header.INCOMPAT_DIRTY;
            s.file.coPwritev(Qcow2Header.OFFSET_INCOMPATIBLE, ByteBuffer.allocate(8).putLong(0, incompatible), 0);
            s.file.coFlush();
            s.header = h.withFeatures(incompatible, h.autoclearFeatures());
        }
    }

    /** Every cluster's refcount set to the number of references the metadata holds to it. */
    @CoroutineFn
    @GraphRdlock
    static void rebuildRefcounts(Qcow2State s) throws BlockException {
        Qcow2Header h = s.header;
        int cb = h.clusterBits();
        Map<Long, Long> counts = new HashMap<>();
        add(counts, 0, h.clusterSize(), cb);
        add(counts, h.refcountTableOffset(), (long) h.refcountTableClusters() << cb, cb);
        addL1(s, counts, h.l1TableOffset(), h.l1Size());
        if (h.nbSnapshots() > 0) {
            long end = h.snapshotsOffset();
            for (Snapshot sn : s.snapshots) {
                addL1(s, counts, sn.l1Offset(), sn.l1Size());
                end += (40L + 16 + sn.id().length() + sn.name().length() + 7) & ~7L;
            }
            add(counts, h.snapshotsOffset(), Math.max(1, end - h.snapshotsOffset()), cb);
        }
        long tableOffset = s.refcounts.tableOffset();
        ByteBuffer table = ByteBuffer.allocate(s.refcounts.tableClusters() << cb);
        s.file.coPreadv(tableOffset, table, 0);
        for (int i = 0; i < table.capacity() / 8; i++) {
            long block = table.getLong(i * 8) & Qcow2Layout.REFT_OFFSET_MASK;
            if (block != 0) {
                add(counts, block, 1L << cb, cb);
            }
        }
        long maxCluster = counts.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        long lastCovered = ((long) (table.capacity() / 8) * s.refcounts.clustersPerBlock()) - 1;
        for (long c = 0; c <= Math.max(maxCluster, 0); c++) {
            long want = counts.getOrDefault(c, 0L);
            if (!s.refcounts.covered(c)) {
                if (want != 0) {
                    throw new BlockException(Errno.EIO, s.node, Qcow2Driver.NAME,
                            "Cannot repair a dirty image: no refcount block covers host offset " + (c << cb));
                }
                continue;
            }
            if (s.refcounts.get(c) != want) {
                s.refcounts.set(c, want);
            }
        }
        // Refcounts above the highest referenced cluster are leaks: cleared where a block covers them.
        for (long c = maxCluster + 1; c <= lastCovered; c++) {
            if (s.refcounts.covered(c) && s.refcounts.get(c) != 0) {
                s.refcounts.set(c, 0);
            }
        }
        s.refcounts.blocks().flush();
    }

    @CoroutineFn
    @GraphRdlock
    private static void addL1(Qcow2State s, Map<Long, Long> counts, long l1Offset, int l1Size) throws BlockException {
        int cb = s.clusterBits();
        if (l1Size == 0) {
            return;
        }
        add(counts, l1Offset, l1Size * 8L, cb);
        ByteBuffer l1 = ByteBuffer.allocate(l1Size * 8);
        s.file.coPreadv(l1Offset, l1, 0);
        for (int i = 0; i < l1Size; i++) {
            long l2 = l1.getLong(i * 8) & Qcow2Layout.L1E_OFFSET_MASK;
            if (l2 == 0) {
                continue;
            }
            add(counts, l2, 1L << cb, cb);
            ByteBuffer t = ByteBuffer.allocate(1 << cb);
            s.file.coPreadv(l2, t, 0);
            for (int j = 0; j < (1 << (cb - 3)); j++) {
                long e = t.getLong(j * 8);
                ClusterType type = Qcow2Layout.type(e);
                if (type == ClusterType.COMPRESSED) {
                    CompressedCluster.Extent x = CompressedCluster.parse(e, cb);
                    add(counts, x.offset(), x.size(), cb);
                } else if (type.allocated()) {
                    add(counts, e & Qcow2Layout.L2E_OFFSET_MASK, 1L << cb, cb);
                }
            }
        }
    }

    private static void add(Map<Long, Long> counts, long offset, long bytes, int cb) {
        for (long c = offset >>> cb; c <= (offset + bytes - 1) >>> cb; c++) {
            counts.merge(c, 1L, Long::sum);
        }
    }
}
