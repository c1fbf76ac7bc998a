package org.blocklayer.driver.qcow2.internal;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.driver.qcow2.internal.Qcow2Layout.ClusterType;

/**
 * {@code qcow2_co_pwrite_zeroes} and {@code qcow2_co_pdiscard}: which requests become zero clusters or discarded
 * ones, and which are left to the generic fallback (ENOTSUP: core writes a buffer of zeroes, or ignores the discard),
 * as QEMU decides.
 */
final class Qcow2Zeroes {
    private Qcow2Zeroes() {
    }

    @CoroutineFn
    @GraphRdlock
    static void write(DriverNode bs, Qcow2State s, long offset, long bytes, boolean mayUnmap) throws BlockException {
        long cs = s.clusterSize();
        long end = offset + bytes;
        long head = offset & (cs - 1);
        long tail = ((end + cs - 1) & ~(cs - 1)) - end;
        if (end == s.size()) {
            tail = 0;
        }
        s.lock();
        try {
            if (head != 0 || tail != 0) {
                if (offset - head + cs < end + tail) {
                    throw unsupported(s, "zeroes over unaligned parts of several clusters");
                }
                // The rest of the cluster must read as zeroes already, in this image or the chain below.
                ClusterMap.Mapping m = s.map.lookup(offset - head, cs);
                boolean zero = m.type() == ClusterType.ZERO_PLAIN || m.type() == ClusterType.ZERO_ALLOC
                        || (m.type() == ClusterType.UNALLOCATED && bs.backing() == null);
                if (!zero) {
                    throw unsupported(s, "zeroes over part of a cluster holding data");
                }
                offset -= head;
                bytes = Math.min(cs, s.size() - offset);
            }
            long at = offset;
            long n = bytes;
            if (s.header.version() < 3) {
                if (bs.backing() != null) {
                    throw unsupported(s, "zero clusters in a version 2 image with a backing file");
                }
                passingDiscards(s, () -> ClusterDiscard.discard(s, at, n, false));
                return;
            }
            passingDiscards(s, () -> ClusterDiscard.zeroize(s, at, n, mayUnmap));
        } finally {
            s.unlock();
        }
    }

    @CoroutineFn
    @GraphRdlock
    static void discard(DriverNode bs, Qcow2State s, long offset, long bytes) throws BlockException {
        long cs = s.clusterSize();
        if (s.header.version() < 3 && bs.backing() != null) {
            throw unsupported(s, "discard in a version 2 image with a backing file");
        }
        if (((offset | bytes) & (cs - 1)) != 0
                && ((offset & (cs - 1)) != 0 || offset + bytes != s.size())) {
            throw unsupported(s, "discard of part of a cluster");
        }
        s.lock();
        try {
            passingDiscards(s, () -> ClusterDiscard.discard(s, offset, bytes, bs.backing() != null));
        } finally {
            s.unlock();
        }
    }

    /** Runs {@code change} with the clusters it frees queued for the file, then discards them there. */
    @CoroutineFn
    @GraphRdlock
    private static void passingDiscards(Qcow2State s, MetadataChange change) throws BlockException {
        if (!s.passDiscardRequest) {
            change.run();
            return;
        }
        s.allocator.discards.start();
        try {
            change.run();
        } finally {
            s.allocator.discards.process(s);
        }
    }

    @FunctionalInterface
    private interface MetadataChange {
        @CoroutineFn
        void run() throws BlockException;
    }

    private static BlockException unsupported(Qcow2State s, String what) {
        return new BlockException(Errno.ENOTSUP, s.node, Qcow2Driver.NAME, "qcow2 does not do " + what);
    }
}
