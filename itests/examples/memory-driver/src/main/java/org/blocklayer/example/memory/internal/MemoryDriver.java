package org.blocklayer.example.memory.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.osgi.service.component.annotations.Component;

/**
 * Example protocol driver {@code memory}: a node whose data is a byte array, {@code driver=memory,size=1M}. Copy this
 * class to start a driver bundle of your own: register a {@link BlockDriver} service with the property
 * {@code block.driver=<name>}, and core picks it up (and drops it, with its nodes showing "no medium", when your
 * bundle stops). QEMU's {@code null-co} (block/null.c) has the same shape.
 *
 * <p>A capability is an extra interface the driver class implements, where QEMU's driver fills in an optional
 * callback: here {@link GetLength}, so that core asks it for its length, and {@link WriteZeroes}, so that a write of
 * zeroes reaches {@link #coPwriteZeroes} instead of core's fallback, a write of a zeroed buffer. Callbacks get the
 * node's driver-facing view, {@link DriverNode}.
 */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + MemoryDriver.NAME)
public final class MemoryDriver implements BlockDriver, GetLength, WriteZeroes {

    static final String NAME = "memory";

    @Override
    public String formatName() {
        return NAME;
    }

    /** Non-null makes this a protocol driver: it holds the data itself instead of reading a child node. */
    @Override
    public String protocolName() {
        return NAME;
    }

    /**
     * Takes option {@code size} (bytes, suffixes as in QEMU: {@code 64k}, {@code 1M}); whatever option is left over,
     * core refuses. The array is the node's state: a driver service is shared by all its nodes, so per-node data
     * goes in {@link DriverNode#setOpaque}, never in a field. A failure here needs no node name: core adds the node and
     * the driver to an open error that names none.
     */
    @Override
    @GlobalStateCode
    public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
        Long size = options.takeSize("size");
        if (size == null) {
            throw new BlockException(Errno.EINVAL, "Parameter 'size' is required");
        }
        // Core rounds lengths up to whole 512-byte sectors; a whole number of them keeps every request in the array.
        if (size <= 0 || size % BlockNode.SECTOR_SIZE != 0 || size > Integer.MAX_VALUE - BlockNode.SECTOR_SIZE) {
            throw new BlockException(Errno.EINVAL, "Parameter 'size' must be a positive multiple of "
                    + BlockNode.SECTOR_SIZE + " below 2 GiB, got " + size);
        }
        bs.setOpaque(new byte[(int) (long) size]);
    }

    @Override
    @GlobalStateCode
    public void close(DriverNode bs) {
        bs.setOpaque(null);
    }

    /** {@link GetLength}: without it core would never ask, and the length would stay what open set (none here). */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength(DriverNode bs) throws BlockException {
        return data(bs).length;
    }

    /**
     * Coroutine callbacks run in the node's AioContext, one at a time per context, and must not block: copying
     * memory is fine, a blocking call would go through {@code bs.aioContext().threadPool()}.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        buf.put(data(bs), index(bs, offset, buf.remaining()), buf.remaining());
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        buf.get(data(bs), index(bs, offset, buf.remaining()), buf.remaining());
    }

    /** The capability: zeroes without a buffer of them. Flags such as MAY_UNMAP make no difference to an array. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
        int from = index(bs, offset, bytes);
        Arrays.fill(data(bs), from, from + (int) bytes, (byte) 0);
    }

    private static byte[] data(DriverNode bs) throws BlockException {
        byte[] data = bs.opaque(byte[].class);
        if (data == null) {
            throw new BlockException(Errno.ENOMEDIUM, bs.nodeName(), NAME, "the node is not open");
        }
        return data;
    }

    /** Core checks requests against the node's length already; this turns a slip into EINVAL, not an array error. */
    private static int index(DriverNode bs, long offset, long bytes) throws BlockException {
        int length = data(bs).length;
        if (offset < 0 || bytes < 0 || offset > length - bytes) {
            throw new BlockException(Errno.EINVAL, bs.nodeName(), NAME, bytes + " bytes at offset " + offset
                    + " reach beyond the node's size (" + length + " bytes)");
        }
        return (int) offset;
    }
}
