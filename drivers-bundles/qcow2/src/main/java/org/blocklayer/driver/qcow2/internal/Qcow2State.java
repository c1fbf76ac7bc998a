package org.blocklayer.driver.qcow2.internal;

import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.CoMutex;
import org.blocklayer.api.coroutine.CoQueue;
import org.blocklayer.api.driver.DriverChild;

/**
 * QEMU's {@code BDRVQcow2State}: one open image's header, mapping, caches, refcounts and lock. Every metadata access
 * holds {@link #lock} ({@code s->lock}, a {@code CoMutex}); guest data moves outside it where it can.
 */
final class Qcow2State {
    final String node;
    final DriverChild file;
    volatile Qcow2Header header;
    final HeaderExtensions extensions;
    final String backingFile;
    final List<Snapshot> snapshots;
    final ClusterMap map;
    final Qcow2Cache l2Cache;
    /** Null for a read-only image. */
    final RefcountTable refcounts;
    /** Null for a read-only image. */
    final ClusterAllocator allocator;
    private final CoMutex lock;
    /**
     * {@code s->discard_passthrough[QCOW2_DISCARD_REQUEST]}: option {@code pass-discard-request}, by default on when
     * the node was opened with {@code discard=unmap}.
     */
    volatile boolean passDiscardRequest;
    /** Allocating writes whose data is on its way, not yet linked ({@code s->cluster_allocs}). */
    final ClusterAllocs clusterAllocs;

    Qcow2State(String node, DriverChild file, Qcow2Header header, HeaderExtensions extensions, String backingFile,
               List<Snapshot> snapshots, ClusterMap map, Qcow2Cache l2Cache, RefcountTable refcounts,
               ClusterAllocator allocator, CoMutex lock, CoQueue allocWaiters) {
        this.node = node;
        this.file = file;
        this.header = header;
        this.extensions = extensions;
        this.backingFile = backingFile;
        this.snapshots = snapshots;
        this.map = map;
        this.l2Cache = l2Cache;
        this.refcounts = refcounts;
        this.allocator = allocator;
        this.lock = lock;
        this.clusterAllocs = new ClusterAllocs(allocWaiters);
    }

    int clusterBits() {
        return header.clusterBits();
    }

    int clusterSize() {
        return header.clusterSize();
    }

    /** The virtual size in bytes. */
    long size() {
        return header.size();
    }

    @CoroutineFn
    void lock() {
        lock.lock();
    }

    @CoroutineFn
    void unlock() {
        lock.unlock();
    }
}
