package org.blocklayer.driver.qcow2.internal;

/**
 * The bit layout of L1, L2 and refcount table entries (block/qcow2.h: {@code QCOW_OFLAG_*}, {@code L1E_OFFSET_MASK},
 * {@code L2E_OFFSET_MASK}, {@code REFT_OFFSET_MASK}) and {@code qcow2_get_cluster_type}.
 */
final class Qcow2Layout {
    static final long OFLAG_COPIED = 1L << 63;
    static final long OFLAG_COMPRESSED = 1L << 62;
    static final long OFLAG_ZERO = 1L;
    static final long L1E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long L2E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long REFT_OFFSET_MASK = 0xfffffffffffffe00L;

    /** {@code QCow2ClusterType}. */
    enum ClusterType {
        UNALLOCATED, ZERO_PLAIN, ZERO_ALLOC, NORMAL, COMPRESSED;

        /** {@code qcow2_cluster_is_allocated}: a host cluster is referenced. */
        boolean allocated() {
            return this == ZERO_ALLOC || this == NORMAL || this == COMPRESSED;
        }
    }

    private Qcow2Layout() {
    }

    /** {@code qcow2_get_cluster_type} without extended L2 entries or a data file. */
    static ClusterType type(long l2Entry) {
        if ((l2Entry & OFLAG_COMPRESSED) != 0) {
            return ClusterType.COMPRESSED;
        }
        if ((l2Entry & OFLAG_ZERO) != 0) {
            return (l2Entry & L2E_OFFSET_MASK) != 0 ? ClusterType.ZERO_ALLOC : ClusterType.ZERO_PLAIN;
        }
        return (l2Entry & L2E_OFFSET_MASK) != 0 ? ClusterType.NORMAL : ClusterType.UNALLOCATED;
    }
}
