package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * QEMU's {@code QCowHeader} (block/qcow2.h, docs/interop/qcow2.txt "Header"): the fixed fields at the start of the
 * image, big-endian, with the checks {@code qcow2_do_open} makes on them and QEMU's messages. Versions 2 and 3;
 * version 2 gets the defaults version 3 spells out (refcount order 4, header length 72, no feature bits).
 */
record Qcow2Header(int version, long backingFileOffset, int backingFileSize, int clusterBits, long size,
                   int cryptMethod, int l1Size, long l1TableOffset, long refcountTableOffset,
                   int refcountTableClusters, int nbSnapshots, long snapshotsOffset, long incompatibleFeatures,
                   long compatibleFeatures, long autoclearFeatures, int refcountOrder, int headerLength,
                   int compressionType) {

    static final int MAGIC = 0x514649fb;
    static final int V2_LENGTH = 72;
    static final int V3_MIN_LENGTH = 104;
    /** What QEMU 7.2 writes: the compression type byte and its padding to a multiple of 8. */
    static final int V3_LENGTH = 112;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;

    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 1 << 1;
    static final long INCOMPAT_DATA_FILE = 1 << 2;
    static final long INCOMPAT_COMPRESSION = 1 << 3;
    static final long INCOMPAT_EXTL2 = 1 << 4;
    static final long COMPAT_LAZY_REFCOUNTS = 1;

    /** Byte offsets of the fields written in place after creation. */
    static final int OFFSET_SIZE = 24;
    static final int OFFSET_L1 = 36;
    static final int OFFSET_REFCOUNT_TABLE = 48;
    static final int OFFSET_INCOMPATIBLE = 72;
    static final int OFFSET_AUTOCLEAR = 88;

    /** The header from the image's first bytes ({@code head} from position 0, at least 72 bytes or fewer for EOF). */
    static Qcow2Header parse(ByteBuffer head) throws BlockException {
        ByteBuffer b = head.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        if (b.remaining() < V2_LENGTH || b.getInt(0) != MAGIC) {
            throw new BlockException(Errno.EINVAL, "Image is not in qcow2 format");
        }
        int version = b.getInt(4);
        if (version < 2 || version > 3) {
            throw new BlockException(Errno.ENOTSUP, "Unsupported qcow2 version " + Integer.toUnsignedString(version));
        }
        int clusterBits = b.getInt(20);
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw new BlockException(Errno.EINVAL, "Unsupported cluster size: 2^"
                    + Integer.toUnsignedString(clusterBits));
        }
        long incompatible = 0;
        long compatible = 0;
        long autoclear = 0;
        int refcountOrder = 4;
        int headerLength = V2_LENGTH;
        int compressionType = 0;
        if (version == 3) {
            if (b.remaining() < V3_MIN_LENGTH) {
                throw new BlockException(Errno.EINVAL, "qcow2 header too short");
            }
            incompatible = b.getLong(72);
            compatible = b.getLong(80);
            autoclear = b.getLong(88);
            refcountOrder = b.getInt(96);
            headerLength = b.getInt(100);
            if (Integer.compareUnsigned(headerLength, V3_MIN_LENGTH) < 0) {
                throw new BlockException(Errno.EINVAL, "qcow2 header too short");
            }
            if (headerLength > V3_MIN_LENGTH && b.remaining() > V3_MIN_LENGTH) {
                compressionType = b.get(V3_MIN_LENGTH) & 0xff;
            }
        }
        if (Integer.compareUnsigned(headerLength, 1 << clusterBits) > 0) {
            throw new BlockException(Errno.EINVAL, "qcow2 header exceeds cluster size");
        }
        long backingFileOffset = b.getLong(8);
        if (Long.compareUnsigned(backingFileOffset, 1L << clusterBits) > 0) {
            throw new BlockException(Errno.EINVAL, "Invalid backing file offset");
        }
        return new Qcow2Header(version, backingFileOffset, b.getInt(16), clusterBits, b.getLong(24), b.getInt(32),
                b.getInt(36), b.getLong(40), b.getLong(48), b.getInt(56), b.getInt(60), b.getLong(64), incompatible,
                compatible, autoclear, refcountOrder, headerLength, compressionType);
    }

    /** The header as the image stores it: 72 bytes for version 2, {@link #headerLength} for version 3. */
    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(version == 2 ? V2_LENGTH : headerLength);
        b.putInt(MAGIC).putInt(version).putLong(backingFileOffset).putInt(backingFileSize).putInt(clusterBits)
                .putLong(size).putInt(cryptMethod).putInt(l1Size).putLong(l1TableOffset).putLong(refcountTableOffset)
                .putInt(refcountTableClusters).putInt(nbSnapshots).putLong(snapshotsOffset);
        if (version == 3) {
            b.putLong(incompatibleFeatures).putLong(compatibleFeatures).putLong(autoclearFeatures)
                    .putInt(refcountOrder).putInt(headerLength);
            if (headerLength > V3_MIN_LENGTH) {
                b.put((byte) compressionType);
            }
        }
        return b.clear();
    }

    int clusterSize() {
        return 1 << clusterBits;
    }

    /** {@code l2_bits}: entries per L2 table as a power of two (no extended L2). */
    int l2Bits() {
        return clusterBits - 3;
    }

    int refcountBits() {
        return 1 << refcountOrder;
    }

    /** {@code size_to_l1}: the L1 entries that map {@code bytes} of guest data. */
    static long sizeToL1(int clusterBits, long bytes) {
        int shift = clusterBits + clusterBits - 3;
        return (bytes + (1L << shift) - 1) >>> shift;
    }

    boolean lazyRefcounts() {
        return (compatibleFeatures & COMPAT_LAZY_REFCOUNTS) != 0;
    }

    Qcow2Header withSize(long newSize) {
        return new Qcow2Header(version, backingFileOffset, backingFileSize, clusterBits, newSize, cryptMethod,
                l1Size, l1TableOffset, refcountTableOffset, refcountTableClusters, nbSnapshots, snapshotsOffset,
                incompatibleFeatures, compatibleFeatures, autoclearFeatures, refcountOrder, headerLength,
                compressionType);
    }

    Qcow2Header withL1(int newL1Size, long newL1Offset) {
        return new Qcow2Header(version, backingFileOffset, backingFileSize, clusterBits, size, cryptMethod,
                newL1Size, newL1Offset, refcountTableOffset, refcountTableClusters, nbSnapshots, snapshotsOffset,
                incompatibleFeatures, compatibleFeatures, autoclearFeatures, refcountOrder, headerLength,
                compressionType);
    }

    Qcow2Header withRefcountTable(long offset, int clusters) {
        return new Qcow2Header(version, backingFileOffset, backingFileSize, clusterBits, size, cryptMethod, l1Size,
                l1TableOffset, offset, clusters, nbSnapshots, snapshotsOffset, incompatibleFeatures,
                compatibleFeatures, autoclearFeatures, refcountOrder, headerLength, compressionType);
    }

    Qcow2Header withFeatures(long incompatible, long autoclear) {
        return new Qcow2Header(version, backingFileOffset, backingFileSize, clusterBits, size, cryptMethod, l1Size,
                l1TableOffset, refcountTableOffset, refcountTableClusters, nbSnapshots, snapshotsOffset, incompatible,
                compatibleFeatures, autoclear, refcountOrder, headerLength, compressionType);
    }
}
