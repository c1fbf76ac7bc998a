package org.blocklayer.driver.qcow2.internal;

import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.CoQueue;

/**
 * The allocating writes in flight ({@code s->cluster_allocs}, the {@code QCowL2Meta}s between
 * {@code qcow2_alloc_host_offset} and {@code qcow2_alloc_cluster_link_l2}): their new clusters are counted but not
 * linked yet, and their data is being written outside the image lock. A write that would allocate any of the same
 * guest clusters waits until they are linked ({@code handle_dependencies}) and then looks again, so two writes to
 * one cluster never each copy its old contents and the later link never drops the earlier data. All under the
 * image lock, except the wait itself.
 */
final class ClusterAllocs {
    private final List<long[]> ranges = new ArrayList<>();
    private final CoQueue dependents;
    /** Bumped whenever an allocation ends, so a waiter that missed the wakeup sees it had nothing to wait for. */
    private long ended;

    ClusterAllocs(CoQueue dependents) {
        this.dependents = dependents;
    }

    /** True when an allocation in flight covers any guest byte of [start, end). */
    boolean overlaps(long start, long end) {
        for (long[] r : ranges) {
            if (r[0] < end && start < r[1]) {
                return true;
            }
        }
        return false;
    }

    /** Guest clusters [start, end) are being allocated. */
    void begin(long start, long end) {
        ranges.add(new long[] {start, end});
    }

    /** Their L2 entries point at the new clusters (or the write failed): wakes every write that waited. */
    void end(long start, long end) {
        for (int i = 0; i < ranges.size(); i++) {
            long[] r = ranges.get(i);
            if (r[0] == start && r[1] == end) {
                ranges.remove(i);
                break;
            }
        }
        ended++;
        dependents.restartAll();
    }

    /**
     * {@code qemu_co_queue_wait(&old_alloc->dependent_requests, &s->lock)}: drops the image lock, waits for an
     * allocation to end, takes the lock again.
     */
    @CoroutineFn
    void waitForOne(Qcow2State s) {
        long seen = ended;
        s.unlock();
        try {
            // Unlocking wakes the next holder without yielding, so nothing can end between the check and the wait.
            if (seen == ended) {
                dependents.coWait();
            }
        } finally {
            s.lock();
        }
    }
}
