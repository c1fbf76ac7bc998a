package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;

/**
 * The read path ({@code qcow2_co_preadv_part}, {@code qcow2_co_preadv_task}): the mapping of each run is looked up
 * under the lock, the data read outside it: normal clusters from the file, compressed ones inflated, zero clusters
 * as zeroes, unallocated ones from the backing file, or zeroes without one and past its end (B56).
 */
final class Qcow2Reader {
    private static final byte[] ZEROES = new byte[64 * 1024];

    private Qcow2Reader() {
    }

    /**
     * Fills {@code buf} from guest {@code offset}. With {@code locked} the caller holds the image lock already (a
     * copy-on-write reading the old contents of a cluster).
     */
    @CoroutineFn
    @GraphRdlock
    static void read(DriverNode bs, Qcow2State s, long offset, ByteBuffer buf, boolean locked) throws BlockException {
        long at = offset;
        while (buf.hasRemaining()) {
            ClusterMap.Mapping m;
            if (!locked) {
                s.lock();
            }
            try {
                m = s.map.lookup(at, buf.remaining());
            } finally {
                if (!locked) {
                    s.unlock();
                }
            }
            int n = (int) m.bytes();
            ByteBuffer part = buf.slice(buf.position(), n);
            switch (m.type()) {
                case UNALLOCATED -> readBacking(bs, at, part);
                case ZERO_PLAIN, ZERO_ALLOC -> zero(part);
                case NORMAL -> readFile(s, m.host(), part);
                case COMPRESSED -> {
                    byte[] cluster = CompressedCluster.read(s.file, m.entry(), s.clusterBits(), s.node);
                    part.put(cluster, (int) (at & (s.clusterSize() - 1)), n);
                }
            }
            buf.position(buf.position() + n);
            at += n;
        }
    }

    /**
     * A normal cluster's bytes; a cluster written only up to the data it holds may end past the file's end, and what
     * lies there reads as zeroes, as QEMU's block layer pads a read past a file's end.
     */
    @CoroutineFn
    @GraphRdlock
    private static void readFile(Qcow2State s, long host, ByteBuffer part) throws BlockException {
        long length = s.file.coGetLength();
        if (host + part.remaining() <= length) {
            s.file.coPreadv(host, part, 0);
            return;
        }
        int readable = (int) Math.max(0, Math.min(part.remaining(), length - host));
        if (readable > 0) {
            s.file.coPreadv(host, part.slice(part.position(), readable), 0);
        }
        zero(part.slice(part.position() + readable, part.remaining() - readable));
    }

    /** An unallocated range: the backing file's bytes up to its end, zeroes after it or without one. */
    @CoroutineFn
    @GraphRdlock
    static void readBacking(DriverNode bs, long offset, ByteBuffer part) throws BlockException {
        DriverChild backing = bs.backing();
        if (backing == null) {
            zero(part);
            return;
        }
        long length = backing.coGetLength();
        int readable = (int) Math.max(0, Math.min(part.remaining(), length - offset));
        if (readable > 0) {
            backing.coPreadv(offset, part.slice(part.position(), readable), 0);
        }
        zero(part.slice(part.position() + readable, part.remaining() - readable));
    }

    static void zero(ByteBuffer part) {
        ByteBuffer b = part.duplicate();
        while (b.hasRemaining()) {
            b.put(ZEROES, 0, Math.min(ZEROES.length, b.remaining()));
        }
    }
}
