package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * The metadata of a new, empty image, laid out as {@code qcow2_co_create} and {@code qcow2_update_header} leave it:
 * the header cluster (header, backing format extension, feature name table for version 3 with clusters over 4 KiB,
 * end marker, backing file name), then the refcount table, its refcount blocks, and a zeroed L1 table, every one of
 * those clusters counted once.
 */
final class NewImage {
    /** {@code features[]} of {@code qcow2_update_header}: type, bit, name. */
    private static final Object[][] FEATURES = {
        {0, 0, "dirty bit"}, {0, 1, "corrupt bit"}, {0, 2, "external data file"}, {0, 3, "compression type"},
        {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"}, {2, 0, "bitmaps"}, {2, 1, "raw external data"},
    };

    private NewImage() {
    }

    /** The bytes to write at offset 0 (everything but the L1 table, which is zeroes) and the file's length. */
    record Layout(ByteBuffer metadata, long fileLength) {
    }

    static Layout build(int version, int clusterBits, long size, int refcountOrder, boolean lazyRefcounts,
                        String backingFile, String backingFormat) throws BlockException {
        long cs = 1L << clusterBits;
        long l1Size = Qcow2Header.sizeToL1(clusterBits, size);
        long l1Clusters = (l1Size * 8 + cs - 1) / cs;
        long perBlock = (cs * 8) >> refcountOrder;
        long tableClusters = 1;
        long blocks = 1;
        while (true) {
            long total = 1 + tableClusters + blocks + l1Clusters;
            long needBlocks = (total + perBlock - 1) / perBlock;
            long needTable = (needBlocks * 8 + cs - 1) / cs;
            if (needBlocks == blocks && needTable == tableClusters) {
                break;
            }
            blocks = needBlocks;
            tableClusters = needTable;
        }
        long tableOffset = cs;
        long blocksOffset = tableOffset + tableClusters * cs;
        long l1Offset = blocksOffset + blocks * cs;
        long clusters = 1 + tableClusters + blocks + l1Clusters;

        ByteBuffer meta = ByteBuffer.allocate((int) l1Offset);
        Qcow2Header h = new Qcow2Header(version, 0, 0, clusterBits, size, 0, (int) l1Size, l1Offset, tableOffset,
                (int) tableClusters, 0, 0, 0, lazyRefcounts ? Qcow2Header.COMPAT_LAZY_REFCOUNTS : 0, 0,
                refcountOrder, version == 3 ? Qcow2Header.V3_LENGTH : Qcow2Header.V2_LENGTH, 0);
        int at = version == 3 ? Qcow2Header.V3_LENGTH : Qcow2Header.V2_LENGTH;
        if (backingFormat != null) {
            at = extension(meta, at, HeaderExtensions.BACKING_FORMAT, backingFormat.getBytes(StandardCharsets.UTF_8));
        }
        if (version == 3 && cs > 4096) {
            byte[] table = new byte[FEATURES.length * 48];
            for (int i = 0; i < FEATURES.length; i++) {
                table[i * 48] = (byte) (int) (Integer) FEATURES[i][0];
                table[i * 48 + 1] = (byte) (int) (Integer) FEATURES[i][1];
                byte[] name = ((String) FEATURES[i][2]).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(name, 0, table, i * 48 + 2, name.length);
            }
            at = extension(meta, at, HeaderExtensions.FEATURE_TABLE, table);
        }
        at += 8;
        if (backingFile != null) {
            byte[] name = backingFile.getBytes(StandardCharsets.UTF_8);
            if (at + name.length > cs || name.length > 1023) {
                throw new BlockException(Errno.ENOSPC, "Could not assign backing file '" + backingFile
                        + "' with format '" + backingFormat + "'");
            }
            meta.put(at, name);
            h = new Qcow2Header(version, at, name.length, clusterBits, size, 0, (int) l1Size, l1Offset, tableOffset,
                    (int) tableClusters, 0, 0, 0, h.compatibleFeatures(), 0, refcountOrder, h.headerLength(), 0);
        }
        meta.put(0, h.encode(), 0, h.encode().remaining());
        for (long b = 0; b < blocks; b++) {
            meta.putLong((int) (tableOffset + b * 8), blocksOffset + b * cs);
        }
        RefcountTable counter = new RefcountTable(null, null, h, new long[0]);
        for (long c = 0; c < clusters; c++) {
            long block = c / perBlock;
            ByteBuffer blockBytes = meta.slice((int) (blocksOffset + block * cs), (int) cs);
            counter.write(blockBytes, (int) (c % perBlock), 1);
        }
        return new Layout(meta, l1Offset + l1Size * 8);
    }

    /** {@code header_ext_add}: type, length, data padded to 8 bytes; returns the offset after it. */
    private static int extension(ByteBuffer b, int at, int type, byte[] data) {
        b.putInt(at, type).putInt(at + 4, data.length).put(at + 8, data);
        return at + 8 + ((data.length + 7) & ~7);
    }
}
