package org.blocklayer.api.graph;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A node of the block graph ({@code BlockDriverState}).
 *
 * <p>Methods come in pairs as in QEMU: {@code coX} is the coroutine function and needs the graph read lock;
 * {@code x} is its mixed wrapper ({@code co_wrapper_mixed_bdrv_rdlock}), callable from anywhere: inside a coroutine
 * it runs {@code coX} inline; outside, it runs {@code coX} in a new coroutine in this node's context, holding the
 * read lock, and waits for it. A thread that is no event loop (a shell session, an application) is handed to the
 * main loop first.
 */
@ProviderType
public interface BlockNode {

    /** Sector size the length is counted in ({@code BDRV_SECTOR_SIZE}). */
    int SECTOR_SIZE = 512;

    String nodeName();

    /** The driver, or null once the medium is gone (then lengths and I/O fail with ENOMEDIUM). */
    BlockDriver driver();

    /** The filename the node was opened with, or null. */
    String filename();

    AioContext aioContext();

    int openFlags();

    boolean isReadOnly();

    /** The options the node was opened with (a copy). */
    BlockOptions options();

    /** The cached length in sectors ({@code bs->total_sectors}). */
    long totalSectors();

    /** For a driver's open: the length hint that the refresh after open starts from. */
    void setTotalSectors(long sectors);

    /** True for a SCSI generic device ({@code bdrv_is_sg}): its length is never queried from the driver. */
    boolean isSg();

    /** For a driver's open. */
    void setSg(boolean sg);

    /** The driver's per-node state ({@code bs->opaque}). */
    <T> T opaque(Class<T> type);

    /** For a driver's open. */
    void setOpaque(Object state);

    /** The primary data child ({@code bs->file}), or null. */
    BlockChild file();

    /** The COW child ({@code bs->backing}), or null. */
    BlockChild backing();

    List<BlockChild> children();

    List<BlockChild> parents();

    /**
     * Opens or references the child {@code childName} for a driver's open ({@code bdrv_open_child}): a string
     * option {@code childName} names an existing node; otherwise the {@code childName.*} options open a new one.
     * The options used are removed from {@code options}.
     *
     * @return the new edge, or null when {@code allowNone} and no child was given
     */
    @GlobalStateCode
    BlockChild openChild(BlockOptions options, String childName, Set<ChildRole> roles, boolean allowNone)
            throws BlockException;

    /** {@code bdrv_co_refresh_total_sectors}: asks the driver for the length, or keeps {@code hint}. */
    @CoroutineFn
    @GraphRdlock
    void coRefreshTotalSectors(long hint) throws BlockException;

    /** {@code bdrv_co_nb_sectors}: the length in sectors; variable-length drivers are asked every time. */
    @CoroutineFn
    @GraphRdlock
    long coNbSectors() throws BlockException;

    /** {@code bdrv_co_getlength}: the length in bytes, always a multiple of 512. */
    @CoroutineFn
    @GraphRdlock
    long coGetLength() throws BlockException;

    /** {@code bdrv_refresh_total_sectors}. */
    void refreshTotalSectors(long hint) throws BlockException;

    /** {@code bdrv_nb_sectors}. */
    long nbSectors() throws BlockException;

    /** {@code bdrv_getlength}. */
    long getLength() throws BlockException;

    /** {@code bdrv_co_preadv}: reads {@code buf.remaining()} bytes at {@code offset} into {@code buf}. */
    @CoroutineFn
    @GraphRdlock
    void coPreadv(long offset, ByteBuffer buf, int flags) throws BlockException;

    /** {@code bdrv_co_pwritev}: writes {@code buf.remaining()} bytes at {@code offset}. */
    @CoroutineFn
    @GraphRdlock
    void coPwritev(long offset, ByteBuffer buf, int flags) throws BlockException;

    /** {@code bdrv_co_flush}. */
    @CoroutineFn
    @GraphRdlock
    void coFlush() throws BlockException;

    /**
     * {@code bdrv_co_pwrite_zeroes}: through the driver's {@code WriteZeroes} where it has it, else (or on its
     * ENOTSUP) a buffer of zeroes, unless {@code flags} holds NO_FALLBACK (then ENOTSUP).
     */
    @CoroutineFn
    @GraphRdlock
    void coPwriteZeroes(long offset, long bytes, java.util.Set<org.blocklayer.api.driver.RequestFlag> flags)
            throws BlockException;

    /**
     * {@code bdrv_co_pdiscard}: advice that the range is not needed; a no-op unless the node was opened with
     * {@code discard=unmap} and its driver can discard. EPERM on a read-only node.
     */
    @CoroutineFn
    @GraphRdlock
    void coPdiscard(long offset, long bytes) throws BlockException;

    /**
     * {@code bdrv_co_block_status}: what the range from {@code offset} holds, following raw-like drivers down to the
     * node that knows; past the end, EOF with no bytes.
     */
    @CoroutineFn
    @GraphRdlock
    org.blocklayer.api.driver.BlockStatus.Status coBlockStatus(boolean wantZero, long offset, long bytes)
            throws BlockException;

    /**
     * {@code bdrv_co_truncate}: resizes the node to {@code offset} bytes, then refreshes its length with
     * {@code offset / 512} as hint (B14). Returns the new length ({@code total_sectors * 512}).
     */
    @CoroutineFn
    @GraphRdlock
    long coTruncate(long offset) throws BlockException;

    /** {@code bdrv_truncate}: the mixed wrapper of {@link #coTruncate}. */
    long truncate(long offset) throws BlockException;

    /** {@code bdrv_pread}. */
    void pread(long offset, ByteBuffer buf, int flags) throws BlockException;

    /** {@code bdrv_pwrite}. */
    void pwrite(long offset, ByteBuffer buf, int flags) throws BlockException;

    /** {@code bdrv_flush}. */
    void flush() throws BlockException;
}
