package org.blocklayer.driver.qcow2.internal;

import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;

/**
 * The host clusters a guest discard or unmapping zero write gave up, to be discarded on the file too
 * ({@code s->discards}, {@code update_refcount_discard} and {@code qcow2_process_discards}, for
 * {@code QCOW2_DISCARD_REQUEST} with {@code pass-discard-request}): adjacent clusters merge into one region, and the
 * file is asked once the request's metadata changes are made. The file's answer does not matter: discard is advice,
 * and a file node opened without {@code discard=unmap} ignores it. Under the image lock.
 */
final class DiscardQueue {
    private final List<long[]> regions = new ArrayList<>();
    private boolean collecting;

    /** From now until {@link #process}, clusters whose refcount drops to zero are queued. */
    void start() {
        collecting = true;
    }

    /** {@code update_refcount_discard}: a freed cluster, merged with the last region when they touch. */
    void freed(long offset, long bytes) {
        if (!collecting) {
            return;
        }
        if (!regions.isEmpty()) {
            long[] last = regions.getLast();
            if (last[0] + last[1] == offset) {
                last[1] += bytes;
                return;
            }
        }
        regions.add(new long[] {offset, bytes});
    }

    /** {@code qcow2_process_discards}: the file discards every region queued; errors ignored, as QEMU does. */
    @CoroutineFn
    @GraphRdlock
    void process(Qcow2State s) {
        collecting = false;
        for (long[] r : regions) {
            try {
                s.file.coPdiscard(r[0], r[1]);
            } catch (BlockException | RuntimeException ignored) {
                // Discard is optional: a file that cannot, or will not (discard=ignore), keeps the bytes.
            }
        }
        regions.clear();
    }
}
