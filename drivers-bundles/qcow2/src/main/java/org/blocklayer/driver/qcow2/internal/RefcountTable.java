package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * The refcount table and its blocks (block/qcow2-refcount.c: {@code qcow2_get_refcount}, {@code alloc_refcount_block},
 * the {@code get_refcount_roN}/{@code set_refcount_roN} accessors for every width from 1 to 64 bits). A cluster's
 * refcount lives in the refcount block the table names for it; a cluster no block covers has refcount 0. A new block
 * is put at the first cluster of the range it covers, which is free by definition, and counts itself.
 */
final class RefcountTable {
    private final DriverChild file;
    private final Qcow2Cache blocks;
    private final int clusterBits;
    private final int refcountOrder;
    /** {@code refcount_block_bits}: log2 of the refcounts one block holds. */
    private final int blockBits;
    private final long refcountMax;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    /** The entries the table on disk has room for: a block added while the table grows is written with the table. */
    private int diskEntries;

    RefcountTable(DriverChild file, Qcow2Cache blocks, Qcow2Header h, long[] table) {
        this.file = file;
        this.blocks = blocks;
        this.clusterBits = h.clusterBits();
        this.refcountOrder = h.refcountOrder();
        this.blockBits = clusterBits + 3 - refcountOrder;
        this.refcountMax = refcountOrder == 6 ? -1L : (1L << (1 << refcountOrder)) - 1;
        this.table = table;
        this.tableOffset = h.refcountTableOffset();
        this.tableClusters = h.refcountTableClusters();
        this.diskEntries = table.length;
    }

    /** Reads the table of {@code h} from the file ({@code qcow2_refcount_init}). */
    @CoroutineFn
    @GraphRdlock
    static long[] readTable(DriverChild file, Qcow2Header h) throws BlockException {
        long bytes = (long) h.refcountTableClusters() << h.clusterBits();
        if (bytes > 8L * 1024 * 1024) {
            throw new BlockException(Errno.EFBIG, "Reference count table too large");
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes);
        file.coPreadv(h.refcountTableOffset(), b, 0);
        long[] t = new long[(int) (bytes / 8)];
        b.clear().asLongBuffer().get(t);
        return t;
    }

    Qcow2Cache blocks() {
        return blocks;
    }

    long tableOffset() {
        return tableOffset;
    }

    int tableClusters() {
        return tableClusters;
    }

    long refcountMax() {
        return refcountMax;
    }

    /** Clusters one refcount block covers. */
    long clustersPerBlock() {
        return 1L << blockBits;
    }

    /** True when a block covers {@code cluster} (else its refcount is 0 and nothing records it). */
    boolean covered(long cluster) {
        long i = cluster >>> blockBits;
        return i < table.length && (table[(int) i] & Qcow2Layout.REFT_OFFSET_MASK) != 0;
    }

    /** {@code qcow2_get_refcount}. */
    @CoroutineFn
    @GraphRdlock
    long get(long cluster) throws BlockException {
        if (!covered(cluster)) {
            return 0;
        }
        Qcow2Cache.Table block = blocks.get(table[(int) (cluster >>> blockBits)] & Qcow2Layout.REFT_OFFSET_MASK);
        return read(block.data, (int) (cluster & ((1L << blockBits) - 1)));
    }

    /** Sets a covered cluster's refcount; the caller made sure it is covered ({@link #cover}). */
    @CoroutineFn
    @GraphRdlock
    void set(long cluster, long value) throws BlockException {
        Qcow2Cache.Table block = blocks.get(table[(int) (cluster >>> blockBits)] & Qcow2Layout.REFT_OFFSET_MASK);
        write(block.data, (int) (cluster & ((1L << blockBits) - 1)), value);
        block.dirty = true;
    }

    /**
     * {@code alloc_refcount_block}: makes a block cover {@code cluster}, placed at the first cluster of its range,
     * counting itself; the table grows first when it has no entry for it.
     */
    @CoroutineFn
    @GraphRdlock
    void cover(long cluster, ClusterAllocator allocator) throws BlockException {
        long index = cluster >>> blockBits;
        if (covered(cluster)) {
            return;
        }
        if (index >= table.length) {
            grow(index, allocator);
            if (covered(cluster)) {
                return;
            }
        }
        long blockCluster = index << blockBits;
        long blockOffset = blockCluster << clusterBits;
        Qcow2Cache.Table block = blocks.getEmpty(blockOffset);
        write(block.data, 0, 1);
        table[(int) index] = blockOffset;
        // The block before the table entry that names it, on disk in that order.
        blocks.flush();
        if (index < diskEntries) {
            ByteBuffer entry = ByteBuffer.allocate(8).putLong(0, blockOffset);
            file.coPwritev(tableOffset + index * 8, entry, 0);
        }
        allocator.noteAllocated(blockCluster);
    }

    /**
     * The growth half of {@code alloc_refcount_block}: a table with room for {@code index} (at least twice the old
     * one) is allocated as ordinary clusters, written, flushed, and swapped into the header; the old one is freed.
     */
    @CoroutineFn
    @GraphRdlock
    private void grow(long index, ClusterAllocator allocator) throws BlockException {
        int perCluster = 1 << (clusterBits - 3);
        long wanted = Math.max(index + 1, (long) table.length * 2);
        long clusters = (wanted + perCluster - 1) / perCluster;
        if ((clusters << clusterBits) > 8L * 1024 * 1024) {
            throw new BlockException(Errno.EFBIG, "Refcount table too large");
        }
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        table = Arrays.copyOf(table, (int) (clusters * perCluster));
        long newOffset = allocator.allocate(clusters << clusterBits);
        ByteBuffer bytes = ByteBuffer.allocate((int) (clusters << clusterBits));
        bytes.asLongBuffer().put(table);
        blocks.flush();
        file.coPwritev(newOffset, bytes, 0);
        file.coFlush();
        ByteBuffer header = ByteBuffer.allocate(12).putLong(newOffset).putInt((int) clusters).clear();
        file.coPwritev(Qcow2Header.OFFSET_REFCOUNT_TABLE, header, 0);
        file.coFlush();
        tableOffset = newOffset;
        tableClusters = (int) clusters;
        diskEntries = table.length;
        allocator.free(oldOffset, (long) oldClusters << clusterBits);
    }

    /** {@code get_refcount_roN}: entry {@code i} of a block, {@code 1 << refcount_order} bits wide. */
    long read(ByteBuffer b, int i) {
        return switch (refcountOrder) {
            case 0, 1, 2 -> {
                int bits = 1 << refcountOrder;
                int perByte = 8 / bits;
                yield ((b.get(i / perByte) & 0xff) >>> (bits * (i % perByte))) & ((1 << bits) - 1);
            }
            case 3 -> b.get(i) & 0xffL;
            case 4 -> b.getShort(i * 2) & 0xffffL;
            case 5 -> b.getInt(i * 4) & 0xffffffffL;
            default -> b.getLong(i * 8);
        };
    }

    /** {@code set_refcount_roN}. */
    void write(ByteBuffer b, int i, long value) {
        switch (refcountOrder) {
            case 0, 1, 2 -> {
                int bits = 1 << refcountOrder;
                int perByte = 8 / bits;
                int shift = bits * (i % perByte);
                int mask = ((1 << bits) - 1) << shift;
                int old = b.get(i / perByte) & 0xff;
                b.put(i / perByte, (byte) ((old & ~mask) | (((int) value << shift) & mask)));
            }
            case 3 -> b.put(i, (byte) value);
            case 4 -> b.putShort(i * 2, (short) value);
            case 5 -> b.putInt(i * 4, (int) value);
            default -> b.putLong(i * 8, value);
        }
    }
}
