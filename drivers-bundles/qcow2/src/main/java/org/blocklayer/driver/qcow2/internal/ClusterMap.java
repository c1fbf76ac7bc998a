package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.driver.qcow2.internal.Qcow2Layout.ClusterType;

/**
 * The guest-to-host mapping through the L1 table and the cached L2 tables (block/qcow2-cluster.c:
 * {@code qcow2_get_host_offset}, {@code get_cluster_table}, {@code l2_allocate}, {@code qcow2_write_l1_entry},
 * {@code qcow2_grow_l1_table}). Used under the image's lock.
 */
final class ClusterMap {
    /**
     * One answer of {@link #lookup}: {@code bytes} from the guest offset asked that map alike.
     *
     * @param entry the L2 entry of the first cluster (0 when there is no L2 table)
     * @param host  for NORMAL and ZERO_ALLOC, the host offset of the guest offset asked
     */
    record Mapping(ClusterType type, long entry, long host, long bytes) {
        boolean copied() {
            return (entry & Qcow2Layout.OFLAG_COPIED) != 0;
        }
    }

    private final DriverChild file;
    private final Qcow2Cache l2Cache;
    private final int clusterBits;
    private final int l2Bits;
    private final String node;
    private ClusterAllocator allocator;
    private Qcow2Cache refcountBlocks;
    private long[] l1;
    private long l1Offset;

    ClusterMap(DriverChild file, Qcow2Cache l2Cache, Qcow2Header h, long[] l1, String node) {
        this.file = file;
        this.l2Cache = l2Cache;
        this.clusterBits = h.clusterBits();
        this.l2Bits = h.l2Bits();
        this.l1 = l1;
        this.l1Offset = h.l1TableOffset();
        this.node = node;
    }

    /** For writing images: where new L2 tables come from and whose refcounts they depend on. */
    void writable(ClusterAllocator alloc, Qcow2Cache refcounts) {
        this.allocator = alloc;
        this.refcountBlocks = refcounts;
    }

    /** Reads the L1 table of {@code h}. */
    @CoroutineFn
    @GraphRdlock
    static long[] readL1(DriverChild file, Qcow2Header h) throws BlockException {
        long[] l1 = new long[h.l1Size()];
        if (l1.length > 0) {
            ByteBuffer b = ByteBuffer.allocate(l1.length * 8);
            file.coPreadv(h.l1TableOffset(), b, 0);
            b.clear().asLongBuffer().get(l1);
        }
        return l1;
    }

    int l1Size() {
        return l1.length;
    }

    long l1Offset() {
        return l1Offset;
    }

    /** {@code qcow2_get_host_offset}: how {@code offset} maps, for up to {@code bytes} within one L2 table. */
    @CoroutineFn
    @GraphRdlock
    Mapping lookup(long offset, long bytes) throws BlockException {
        int clusterSize = 1 << clusterBits;
        long inCluster = offset & (clusterSize - 1);
        int l2Index = (int) ((offset >>> clusterBits) & ((1 << l2Bits) - 1));
        long toTableEnd = ((long) ((1 << l2Bits) - l2Index) << clusterBits) - inCluster;
        long max = Math.min(bytes, toTableEnd);
        long l1Index = offset >>> (clusterBits + l2Bits);
        long l2Offset = l1Index < l1.length ? l1[(int) l1Index] & Qcow2Layout.L1E_OFFSET_MASK : 0;
        if (l2Offset == 0) {
            return new Mapping(ClusterType.UNALLOCATED, 0, 0, max);
        }
        Qcow2Cache.Table t = l2Cache.get(l2Offset);
        long first = t.entry(l2Index);
        ClusterType type = Qcow2Layout.type(first);
        long host = first & Qcow2Layout.L2E_OFFSET_MASK;
        if ((type == ClusterType.NORMAL || type == ClusterType.ZERO_ALLOC) && (host & (clusterSize - 1)) != 0) {
            throw new BlockException(Errno.EIO, node, Qcow2Driver.NAME, "Cluster allocation offset 0x"
                    + Long.toHexString(host) + " unaligned (L2 offset: 0x" + Long.toHexString(l2Offset)
                    + ", L2 index: 0x" + Integer.toHexString(l2Index) + ")");
        }
        long covered = clusterSize - inCluster;
        int i = l2Index + 1;
        while (covered < max && type != ClusterType.COMPRESSED) {
            long e = t.entry(i);
            if (Qcow2Layout.type(e) != type || ((e ^ first) & Qcow2Layout.OFLAG_COPIED) != 0) {
                break;
            }
            if (type.allocated() && (e & Qcow2Layout.L2E_OFFSET_MASK) != host + ((long) (i - l2Index) << clusterBits)) {
                break;
            }
            covered += clusterSize;
            i++;
        }
        return new Mapping(type, first, type.allocated() ? host + inCluster : 0, Math.min(covered, max));
    }

    /**
     * {@code get_cluster_table}: the L2 table for {@code offset}, ready to be changed: one this image alone owns
     * (COPIED), made by {@code l2_allocate} when there is none or when a snapshot shares it. Returns the table's
     * offset; fetch it from the cache again after any other I/O.
     */
    @CoroutineFn
    @GraphRdlock
    long writableTable(long offset) throws BlockException {
        int l1Index = (int) (offset >>> (clusterBits + l2Bits));
        if (l1Index >= l1.length) {
            throw new BlockException(Errno.EIO, node, Qcow2Driver.NAME, "Guest offset " + offset
                    + " lies beyond the L1 table (" + l1.length + " entries)");
        }
        long e = l1[l1Index];
        long old = e & Qcow2Layout.L1E_OFFSET_MASK;
        if (old != 0 && (e & Qcow2Layout.OFLAG_COPIED) != 0) {
            return old;
        }
        return allocateTable(l1Index, old);
    }

    /** {@code l2_allocate}: refcounts on disk, then the new table (a copy of a shared one), then the L1 entry. */
    @CoroutineFn
    @GraphRdlock
    private long allocateTable(int l1Index, long old) throws BlockException {
        byte[] copy = null;
        if (old != 0) {
            Qcow2Cache.Table shared = l2Cache.get(old);
            copy = new byte[1 << clusterBits];
            shared.data.get(0, copy);
        }
        long table = allocator.allocate(1L << clusterBits);
        refcountBlocks.flush();
        Qcow2Cache.Table t = l2Cache.getEmpty(table);
        if (copy != null) {
            t.data.put(0, copy);
        }
        l2Cache.write();
        file.coFlush();
        writeL1Entry(l1Index, table | Qcow2Layout.OFLAG_COPIED);
        if (old != 0) {
            allocator.free(old, 1L << clusterBits);
        }
        return table;
    }

    /** {@code qcow2_write_l1_entry}. */
    @CoroutineFn
    @GraphRdlock
    private void writeL1Entry(int index, long value) throws BlockException {
        file.coPwritev(l1Offset + 8L * index, ByteBuffer.allocate(8).putLong(0, value), 0);
        l1[index] = value;
    }

    /**
     * {@code qcow2_grow_l1_table}: a new, larger L1 table in new clusters, written and flushed before the header
     * names it; the old one is freed afterwards.
     */
    @CoroutineFn
    @GraphRdlock
    void growL1(int minSize) throws BlockException {
        if (minSize <= l1.length) {
            return;
        }
        long newSize = Math.max(minSize, l1.length + l1.length / 2L);
        if (newSize * 8 > 32L * 1024 * 1024) {
            newSize = minSize;
        }
        if (newSize * 8 > 32L * 1024 * 1024) {
            throw new BlockException(Errno.EFBIG, node, Qcow2Driver.NAME, "L1 table too large");
        }
        long[] grown = java.util.Arrays.copyOf(l1, (int) newSize);
        long bytes = newSize * 8;
        long offset = allocator.allocate(bytes);
        refcountBlocks.flush();
        ByteBuffer b = ByteBuffer.allocate((int) (((bytes + (1L << clusterBits) - 1) >>> clusterBits) << clusterBits));
        b.asLongBuffer().put(grown);
        file.coPwritev(offset, b, 0);
        file.coFlush();
        ByteBuffer header = ByteBuffer.allocate(12).putInt((int) newSize).putLong(offset).clear();
        file.coPwritev(Qcow2Header.OFFSET_L1, header, 0);
        file.coFlush();
        long oldOffset = l1Offset;
        long oldBytes = l1.length * 8L;
        l1 = grown;
        l1Offset = offset;
        if (oldBytes > 0) {
            allocator.free(oldOffset, oldBytes);
        }
    }
}
