package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.driver.qcow2.internal.Qcow2Layout.ClusterType;

/**
 * The write path ({@code qcow2_co_pwritev_part}, {@code qcow2_alloc_host_offset}, {@code perform_cow},
 * {@code qcow2_alloc_cluster_link_l2}). A cluster this image alone owns (normal, COPIED) is written in place,
 * outside the lock. Any other (unallocated, zero, compressed, shared with a snapshot) gets new clusters, counted in
 * the refcounts first; the guest data goes there together with the rest of each cluster copied from what was
 * there before (the backing file, zeroes, the old cluster); only then does the L2 entry point at it, and the old
 * cluster is freed. The image lock covers the metadata only: the data of an allocating write moves without it, and
 * {@link ClusterAllocs} keeps a second write to the same clusters waiting until the first one's are linked.
 */
final class Qcow2Writer {
    private Qcow2Writer() {
    }

    @CoroutineFn
    @GraphRdlock
    static void write(DriverNode bs, Qcow2State s, long offset, ByteBuffer buf) throws BlockException {
        long at = offset;
        while (buf.hasRemaining()) {
            s.lock();
            boolean locked = true;
            try {
                ClusterMap.Mapping m = s.map.lookup(at, buf.remaining());
                int n = (int) m.bytes();
                ByteBuffer part = buf.slice(buf.position(), n);
                if (m.type() == ClusterType.NORMAL && m.copied()) {
                    s.unlock();
                    locked = false;
                    s.file.coPwritev(m.host(), part, 0);
                } else {
                    long cs = s.clusterSize();
                    long start = at & ~(cs - 1);
                    long end = (at + n + cs - 1) & ~(cs - 1);
                    if (s.clusterAllocs.overlaps(start, end)) {
                        s.clusterAllocs.waitForOne(s);
                        continue;
                    }
                    locked = false;
                    allocate(bs, s, at, part, start, end);
                }
                buf.position(buf.position() + n);
                at += n;
            } finally {
                if (locked) {
                    s.unlock();
                }
            }
        }
    }

    /**
     * New clusters for {@code part} at guest {@code offset} (guest clusters [start, end)), with copy-on-write of the
     * clusters' other bytes. Called with the image lock held; the clusters are counted under it, the old contents
     * read and the data written without it, the L2 entries linked under it again, as {@code qcow2_co_pwritev_task}
     * drops {@code s->lock} around the data. Returns with the lock released.
     */
    @CoroutineFn
    @GraphRdlock
    private static void allocate(DriverNode bs, Qcow2State s, long offset, ByteBuffer part, long start, long end)
            throws BlockException {
        long host;
        try {
            host = s.allocator.allocate(end - start);
        } catch (BlockException | RuntimeException e) {
            s.unlock();
            throw e;
        }
        s.clusterAllocs.begin(start, end);
        s.unlock();
        boolean linking = false;
        try {
            int head = (int) (offset - start);
            int tail = (int) (end - offset - part.remaining());
            ByteBuffer data;
            if (head == 0 && tail == 0) {
                data = part;
            } else {
                data = ByteBuffer.allocate((int) (end - start));
                if (head > 0) {
                    Qcow2Reader.read(bs, s, start, data.slice(0, head), false);
                }
                data.put(head, part, part.position(), part.remaining());
                if (tail > 0) {
                    int tailAt = head + part.remaining();
                    Qcow2Reader.read(bs, s, offset + part.remaining(), data.slice(tailAt, tail), false);
                }
            }
            s.file.coPwritev(host, data, 0);
            s.lock();
            linking = true;
            try {
                link(s, start, host, (int) ((end - start) / s.clusterSize()));
            } finally {
                // A link that failed half-way leaves some entries pointing at the new clusters: they leak, never freed.
                s.clusterAllocs.end(start, end);
                s.unlock();
            }
        } finally {
            if (!linking) {
                abort(s, start, end, host);
            }
        }
    }

    /**
     * {@code qcow2_alloc_cluster_abort}: an allocating write that failed before its link gives its clusters back;
     * where even that fails they leak, which {@code qemu-img check} reports and repairs, and the write's own error is
     * what the caller sees.
     */
    @CoroutineFn
    @GraphRdlock
    private static void abort(Qcow2State s, long start, long end, long host) {
        s.lock();
        try {
            s.clusterAllocs.end(start, end);
            s.allocator.free(host, end - start);
        } catch (BlockException | RuntimeException leaked) {
            // Leaked, as above.
        } finally {
            s.unlock();
        }
    }

    /** {@code qcow2_alloc_cluster_link_l2}: the L2 entries of {@code count} clusters point at the new ones. */
    @CoroutineFn
    @GraphRdlock
    static void link(Qcow2State s, long guest, long host, int count) throws BlockException {
        int cs = s.clusterSize();
        int l2Mask = (1 << s.header.l2Bits()) - 1;
        for (int i = 0; i < count; i++) {
            long g = guest + (long) i * cs;
            long table = s.map.writableTable(g);
            s.l2Cache.dependOn(s.refcounts.blocks());
            Qcow2Cache.Table t = s.l2Cache.get(table);
            int index = (int) ((g >>> s.clusterBits()) & l2Mask);
            long old = t.entry(index);
            t.setEntry(index, (host + (long) i * cs) | Qcow2Layout.OFLAG_COPIED);
            t.dirty = true;
            if (Qcow2Layout.type(old).allocated()) {
                s.allocator.freeAny(old);
            }
        }
    }
}
