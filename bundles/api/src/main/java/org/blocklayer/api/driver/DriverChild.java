package org.blocklayer.api.driver;

import java.nio.ByteBuffer;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockChild;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An edge from a driver's node to one of its children ({@code BdrvChild}), as the driver does I/O through it:
 * QEMU's {@code bdrv_co_preadv(bs->file, ...)}. Each request goes through the child's request checks, padding,
 * fallbacks and in-flight counting, as block/io.c does. Coroutine functions, called from the driver's own coroutine
 * callbacks, which hold the graph read lock.
 */
@ProviderType
public interface DriverChild extends BlockChild {

    /** {@code bdrv_co_preadv}: reads {@code buf.remaining()} bytes at {@code offset} of the child into {@code buf}. */
    @CoroutineFn
    @GraphRdlock
    void coPreadv(long offset, ByteBuffer buf, int flags) throws BlockException;

    /**
     * {@code bdrv_co_pwritev}: writes {@code buf.remaining()} bytes at {@code offset} of the child. Through an edge
     * that holds the RESIZE permission (a format's {@code file} opened read-write) the write may reach past the
     * child's end, which grows it, as a format allocating clusters at the end of its file does.
     */
    @CoroutineFn
    @GraphRdlock
    void coPwritev(long offset, ByteBuffer buf, int flags) throws BlockException;

    /** {@code bdrv_co_flush} on the child node. */
    @CoroutineFn
    @GraphRdlock
    void coFlush() throws BlockException;

    /**
     * {@code bdrv_co_pwrite_zeroes}: through the child's {@link WriteZeroes} where its driver has it, else (or on its
     * ENOTSUP) a buffer of zeroes, unless {@code flags} holds NO_FALLBACK (then ENOTSUP).
     */
    @CoroutineFn
    @GraphRdlock
    void coPwriteZeroes(long offset, long bytes, Set<RequestFlag> flags) throws BlockException;

    /**
     * {@code bdrv_co_pdiscard}: advice that the range is not needed; a no-op unless the child was opened with
     * {@code discard=unmap} and its driver can discard. EPERM on a read-only child.
     */
    @CoroutineFn
    @GraphRdlock
    void coPdiscard(long offset, long bytes) throws BlockException;

    /**
     * {@code bdrv_co_block_status}: what the range of the child from {@code offset} holds, following raw-like
     * drivers down to the node that knows; past the end, EOF with no bytes.
     */
    @CoroutineFn
    @GraphRdlock
    BlockStatus.Status coBlockStatus(boolean wantZero, long offset, long bytes) throws BlockException;

    /**
     * {@code bdrv_co_truncate}: resizes the child to {@code offset} bytes, then refreshes its length with
     * {@code offset / 512} as hint (B14). Returns the child's new length ({@code total_sectors * 512}).
     */
    @CoroutineFn
    @GraphRdlock
    long coTruncate(long offset) throws BlockException;

    /** {@code bdrv_co_getlength} of the child node. */
    @CoroutineFn
    @GraphRdlock
    long coGetLength() throws BlockException;
}
