package org.blocklayer.driver.qcow2.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * The refusals of {@code qcow2_do_open} ({@code validate_compression_type}, {@code report_unsupported_feature}, the
 * corrupt bit, the crypt method, the refcount width), in QEMU's order and with its messages (B55). What QEMU
 * implements and this driver does not yet (external data files, extended L2 entries, zstd, encryption) is refused
 * the way a QEMU built without it refuses it: as an unsupported feature bit, an unknown compression type, an
 * unsupported encryption method.
 */
final class FeatureCheck {
    /** {@code QCOW2_INCOMPAT_MASK} of this driver: dirty, corrupt and (zlib only) compression type. */
    static final long SUPPORTED_INCOMPATIBLE = Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_CORRUPT
            | Qcow2Header.INCOMPAT_COMPRESSION;

    private FeatureCheck() {
    }

    static void check(Qcow2Header h, HeaderExtensions ext, boolean readWrite) throws BlockException {
        compressionType(h);
        long unsupported = h.incompatibleFeatures() & ~SUPPORTED_INCOMPATIBLE;
        if (unsupported != 0) {
            throw new BlockException(Errno.ENOTSUP, "Unsupported qcow2 feature(s): " + names(ext, unsupported));
        }
        if ((h.incompatibleFeatures() & Qcow2Header.INCOMPAT_CORRUPT) != 0 && readWrite) {
            throw new BlockException(Errno.EACCES, "qcow2: Image is corrupt; cannot be opened read/write");
        }
        if (h.refcountOrder() < 0 || h.refcountOrder() > 6) {
            throw new BlockException(Errno.EINVAL, "Reference count entry width too large; may not exceed 64 bits");
        }
        if (h.cryptMethod() == 1) {
            throw new BlockException(Errno.ENOSYS,
                    "Use of AES-CBC encrypted qcow2 images is no longer supported in system emulators");
        }
        if (h.cryptMethod() != 0) {
            throw new BlockException(Errno.ENOTSUP, "Unsupported encryption method " + h.cryptMethod());
        }
    }

    /** {@code validate_compression_type}, for a QEMU built with zlib only. */
    private static void compressionType(Qcow2Header h) throws BlockException {
        if (h.compressionType() != 0) {
            throw new BlockException(Errno.ENOTSUP, "qcow2: unknown compression type: " + h.compressionType());
        }
        if ((h.incompatibleFeatures() & Qcow2Header.INCOMPAT_COMPRESSION) != 0) {
            throw new BlockException(Errno.EINVAL, "qcow2: Compression type incompatible feature bit must not be set");
        }
    }

    /** {@code report_unsupported_feature}: the table's names for the bits, then the rest as a hex mask. */
    static String names(HeaderExtensions ext, long mask) {
        StringBuilder s = new StringBuilder();
        for (HeaderExtensions.Feature f : ext.features()) {
            if (f.type() == 0 && f.bit() < 64 && (mask & (1L << f.bit())) != 0) {
                if (!s.isEmpty()) {
                    s.append(", ");
                }
                s.append(f.name());
                mask &= ~(1L << f.bit());
            }
        }
        if (mask != 0) {
            if (!s.isEmpty()) {
                s.append(", ");
            }
            s.append("Unknown incompatible feature: ").append(Long.toHexString(mask));
        }
        return s.toString();
    }
}
