package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.coroutine.CoMutex;
import org.blocklayer.api.coroutine.CoQueue;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * {@code qcow2_do_open} (block/qcow2.c), run as a coroutine: the header and its extensions, the refusals, the L1 and
 * refcount tables, the snapshot table, the caches sized by {@code l2-cache-size} ({@code read_cache_sizes}).
 */
final class Qcow2Open {
    /** {@code DEFAULT_L2_CACHE_MAX_SIZE} on Linux. */
    static final long DEFAULT_L2_CACHE_MAX = 32L * 1024 * 1024;
    /** {@code MIN_REFCOUNT_CACHE_SIZE}, in tables. */
    static final int REFCOUNT_CACHE_TABLES = 4;

    private Qcow2Open() {
    }

    /**
     * Opens the image on {@code file}; {@code l2CacheSize} in bytes or null for QEMU's default (enough to map the
     * whole image, at most 32 MiB).
     */
    @CoroutineFn
    @GraphRdlock
    static Qcow2State open(String node, DriverChild file, boolean readWrite, Long l2CacheSize, CoMutex lock,
            CoQueue allocWaiters)
            throws BlockException {
        long fileLength = file.coGetLength();
        ByteBuffer head = read(file, 0, (int) Math.min(Qcow2Header.V3_LENGTH, fileLength), fileLength);
        Qcow2Header h = Qcow2Header.parse(head.limit((int) Math.min(head.capacity(), fileLength)));
        ByteBuffer cluster = read(file, 0, h.clusterSize(), fileLength);
        int extEnd = h.backingFileOffset() != 0 ? (int) h.backingFileOffset() : h.clusterSize();
        HeaderExtensions ext = HeaderExtensions.parse(cluster, h.headerLength(), extEnd);
        FeatureCheck.check(h, ext, readWrite);
        checkTables(h);
        String backingFile = null;
        if (h.backingFileOffset() != 0) {
            if (Integer.compareUnsigned(h.backingFileSize(), 1023) > 0
                    || h.backingFileOffset() + h.backingFileSize() > h.clusterSize()) {
                throw new BlockException(Errno.EINVAL, "Backing file name too long");
            }
            backingFile = HeaderExtensions.string(cluster, (int) h.backingFileOffset(), h.backingFileSize());
        }
        long[] l1 = ClusterMap.readL1(file, h);
        List<Snapshot> snapshots = Snapshot.readTable(file, h);
        int l2Tables = l2CacheTables(h, l2CacheSize);
        Qcow2Cache l2Cache = new Qcow2Cache(file, h.clusterSize(), l2Tables);
        ClusterMap map = new ClusterMap(file, l2Cache, h, l1, node);
        RefcountTable refcounts = null;
        ClusterAllocator allocator = null;
        if (readWrite) {
            Qcow2Cache blocks = new Qcow2Cache(file, h.clusterSize(), REFCOUNT_CACHE_TABLES);
            refcounts = new RefcountTable(file, blocks, h, RefcountTable.readTable(file, h));
            allocator = new ClusterAllocator(refcounts, l2Cache, h.clusterBits());
            map.writable(allocator, blocks);
        }
        return new Qcow2State(node, file, h, ext, backingFile, List.copyOf(snapshots), map, l2Cache, refcounts,
                allocator, lock, allocWaiters);
    }

    /** {@code read_cache_sizes}: L2 tables for the whole image by default, at most 32 MiB of them. */
    static int l2CacheTables(Qcow2Header h, Long l2CacheSize) throws BlockException {
        long maxEntries = (h.size() + h.clusterSize() - 1) / h.clusterSize();
        long fullCoverage = ((maxEntries * 8 + h.clusterSize() - 1) / h.clusterSize()) * h.clusterSize();
        long bytes = l2CacheSize != null ? l2CacheSize : Math.min(fullCoverage, DEFAULT_L2_CACHE_MAX);
        if (l2CacheSize != null && l2CacheSize > Integer.MAX_VALUE) {
            throw new BlockException(Errno.EINVAL, "L2 cache size too big");
        }
        return (int) Math.max(2, Math.min(Integer.MAX_VALUE, bytes / h.clusterSize()));
    }

    /** {@code validate_table_offset} and the size checks of {@code qcow2_do_open}. */
    private static void checkTables(Qcow2Header h) throws BlockException {
        long cs = h.clusterSize();
        if (h.refcountTableClusters() == 0) {
            throw new BlockException(Errno.EINVAL, "Image does not contain a reference count table");
        }
        table(h.refcountTableOffset(), (long) h.refcountTableClusters() * cs, 8L * 1024 * 1024, cs,
                "Reference count table");
        long l1Bytes = Integer.toUnsignedLong(h.l1Size()) * 8;
        if (l1Bytes > 32L * 1024 * 1024) {
            throw new BlockException(Errno.EFBIG, "Active L1 table too large");
        }
        if (Qcow2Header.sizeToL1(h.clusterBits(), h.size()) > Integer.toUnsignedLong(h.l1Size())) {
            throw new BlockException(Errno.EINVAL, "L1 table is too small");
        }
        if (h.l1Size() > 0) {
            table(h.l1TableOffset(), l1Bytes, Long.MAX_VALUE, cs, "Active L1 table");
        }
        if (h.nbSnapshots() != 0) {
            table(h.snapshotsOffset(), 0, Long.MAX_VALUE, cs, "Snapshot table");
        }
    }

    private static void table(long offset, long bytes, long max, long cs, String name) throws BlockException {
        if (bytes > max) {
            throw new BlockException(Errno.EFBIG, name + " too large");
        }
        if (offset < 0 || (offset & (cs - 1)) != 0 || offset > Long.MAX_VALUE - bytes) {
            throw new BlockException(Errno.EINVAL, name + " offset invalid");
        }
    }

    /** {@code length} bytes at {@code offset}; what lies past the file's end reads as zeroes. */
    @CoroutineFn
    @GraphRdlock
    private static ByteBuffer read(DriverChild file, long offset, int length, long fileLength)
            throws BlockException {
        ByteBuffer b = ByteBuffer.allocate(length);
        int readable = (int) Math.max(0, Math.min(length, fileLength - offset));
        if (readable > 0) {
            file.coPreadv(offset, b.slice(0, readable), 0);
        }
        return b;
    }
}
