package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * {@code qcow2_read_extensions} (block/qcow2.c): the header extensions between the header and the backing file name
 * (or the end of the first cluster): the backing format, the feature name table, and which of the extensions this
 * driver does not implement (bitmaps, encryption, external data file) are there.
 *
 * @param backingFormat  the backing file's format, or null
 * @param features       the feature name table, in the image's order
 * @param bitmaps        the number of persistent bitmaps the bitmaps extension declares, or 0 without one
 * @param cryptoHeader   a full disk encryption header extension is present
 * @param dataFile       the external data file's name, or null
 */
record HeaderExtensions(String backingFormat, List<Feature> features, int bitmaps, boolean cryptoHeader,
                        String dataFile) {

    static final int END = 0;
    static final int BACKING_FORMAT = 0xe2792aca;
    static final int FEATURE_TABLE = 0x6803f857;
    static final int BITMAPS = 0x23852875;
    static final int CRYPTO = 0x0537be77;
    static final int DATA_FILE = 0x44415441;

    /** One entry of the feature name table ({@code Qcow2Feature}): type 0 incompatible, 1 compatible, 2 autoclear. */
    record Feature(int type, int bit, String name) {
    }

    /** Reads the extensions of {@code cluster} (the image's first cluster) in {@code [start, end)}. */
    static HeaderExtensions parse(ByteBuffer cluster, int start, int end) throws BlockException {
        String backingFormat = null;
        List<Feature> features = new ArrayList<>();
        int bitmaps = 0;
        boolean crypto = false;
        String dataFile = null;
        int offset = start;
        while (offset < end) {
            if (end - offset < 8) {
                throw new BlockException(Errno.EINVAL, "qcow2_read_extension: ERROR: pread fail from offset "
                        + offset);
            }
            int type = cluster.getInt(offset);
            long len = Integer.toUnsignedLong(cluster.getInt(offset + 4));
            offset += 8;
            if (len > end - offset) {
                throw new BlockException(Errno.EINVAL, "Header extension too large");
            }
            int n = (int) len;
            switch (type) {
                case END -> {
                    return new HeaderExtensions(backingFormat, List.copyOf(features), bitmaps, crypto, dataFile);
                }
                case BACKING_FORMAT -> {
                    if (n >= 16) {
                        throw new BlockException(Errno.EINVAL, "ERROR: ext_backing_format: len=" + n
                                + " too large (>=16)");
                    }
                    backingFormat = string(cluster, offset, n);
                }
                case FEATURE_TABLE -> {
                    for (int at = offset; at + 48 <= offset + n; at += 48) {
                        features.add(new Feature(cluster.get(at) & 0xff, cluster.get(at + 1) & 0xff,
                                string(cluster, at + 2, 46)));
                    }
                }
                case BITMAPS -> bitmaps = n >= 4 ? cluster.getInt(offset) : 0;
                case CRYPTO -> crypto = true;
                case DATA_FILE -> dataFile = string(cluster, offset, n);
                default -> {
                    // Unknown extensions are skipped, as QEMU keeps them but does not look inside.
                }
            }
            offset += (n + 7) & ~7;
        }
        return new HeaderExtensions(backingFormat, List.copyOf(features), bitmaps, crypto, dataFile);
    }

    /** A NUL-padded string field. */
    static String string(ByteBuffer b, int offset, int length) {
        byte[] bytes = new byte[length];
        b.get(offset, bytes);
        int n = 0;
        while (n < length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    /** The name the table gives an incompatible feature bit, or null. */
    String incompatibleName(int bit) {
        for (Feature f : features) {
            if (f.type() == 0 && f.bit() == bit) {
                return f.name();
            }
        }
        return null;
    }
}
