package org.blocklayer.driver.qcow2.internal;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * Host cluster allocation (block/qcow2-refcount.c: {@code qcow2_alloc_clusters}, {@code alloc_clusters_noref},
 * {@code update_refcount}, {@code qcow2_free_clusters}, {@code qcow2_free_any_cluster}): the first run of free
 * clusters from {@code free_cluster_index}, counted before anything points at them.
 */
final class ClusterAllocator {
    private final RefcountTable refcounts;
    private final Qcow2Cache l2Cache;
    private final int clusterBits;
    /** Freed clusters a guest discard passes on to the file ({@code s->discards}). */
    final DiscardQueue discards = new DiscardQueue();
    /** {@code free_cluster_index}: no free cluster lies below it. */
    private long freeClusterIndex;

    ClusterAllocator(RefcountTable refcounts, Qcow2Cache l2Cache, int clusterBits) {
        this.refcounts = refcounts;
        this.l2Cache = l2Cache;
        this.clusterBits = clusterBits;
    }

    /** {@code qcow2_alloc_clusters}: {@code bytes} (rounded up to clusters) of contiguous new clusters, refcount 1. */
    @CoroutineFn
    @GraphRdlock
    long allocate(long bytes) throws BlockException {
        long n = (bytes + (1L << clusterBits) - 1) >>> clusterBits;
        long start = freeClusterIndex;
        long c = start;
        while (c < start + n) {
            if (!refcounts.covered(c)) {
                refcounts.cover(c, this);
                start = freeClusterIndex > start ? freeClusterIndex : start;
                c = start;
                continue;
            }
            if (refcounts.get(c) != 0) {
                start = c + 1;
            }
            c++;
        }
        if ((start + n) << clusterBits > (1L << 56)) {
            throw new BlockException(Errno.EFBIG, "Cluster allocation beyond the qcow2 maximum offset");
        }
        for (long i = start; i < start + n; i++) {
            refcounts.set(i, 1);
        }
        // As alloc_clusters_noref moves free_cluster_index over every cluster it looked at: a run too short for this
        // request is skipped until a free lowers the index again, instead of being scanned by every later request.
        freeClusterIndex = start + n;
        return start << clusterBits;
    }

    /** A refcount block took cluster {@code c} by itself ({@link RefcountTable#cover}). */
    void noteAllocated(long c) {
        if (c == freeClusterIndex) {
            freeClusterIndex = c + 1;
        }
    }

    /** {@code update_refcount} with addend -1 over the clusters {@code [offset, offset + bytes)}. */
    @CoroutineFn
    @GraphRdlock
    void free(long offset, long bytes) throws BlockException {
        // A cleared L2 entry reaches the disk before the refcount that frees its cluster.
        refcounts.blocks().dependOn(l2Cache);
        long first = offset >>> clusterBits;
        long last = (offset + bytes - 1) >>> clusterBits;
        for (long c = first; c <= last; c++) {
            long r = refcounts.get(c);
            if (r == 0) {
                throw new BlockException(Errno.EINVAL, "qcow2: refcount underflow at host offset "
                        + (c << clusterBits));
            }
            refcounts.set(c, r - 1);
            if (r == 1) {
                l2Cache.discard(c << clusterBits);
                freeClusterIndex = Math.min(freeClusterIndex, c);
                discards.freed(c << clusterBits, 1L << clusterBits);
            }
        }
    }

    /** {@code update_refcount} with addend +1 (a cluster shared once more), bounded by {@code refcount_max}. */
    @CoroutineFn
    @GraphRdlock
    void ref(long offset) throws BlockException {
        long c = offset >>> clusterBits;
        long r = refcounts.get(c);
        if (r == refcounts.refcountMax()) {
            throw new BlockException(Errno.ERANGE, "qcow2: refcount overflow at host offset " + offset);
        }
        refcounts.set(c, r + 1);
    }

    /** {@code qcow2_free_any_cluster}: the host clusters an L2 entry holds, compressed ones by their sectors. */
    @CoroutineFn
    @GraphRdlock
    void freeAny(long l2Entry) throws BlockException {
        switch (Qcow2Layout.type(l2Entry)) {
            case COMPRESSED -> {
                CompressedCluster.Extent e = CompressedCluster.parse(l2Entry, clusterBits);
                free(e.offset(), e.size());
            }
            case NORMAL, ZERO_ALLOC -> free(l2Entry & Qcow2Layout.L2E_OFFSET_MASK, 1L << clusterBits);
            default -> {
                // Nothing on the host to free.
            }
        }
    }
}
