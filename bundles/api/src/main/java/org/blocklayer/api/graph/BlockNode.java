package org.blocklayer.api.graph;

import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A node of the block graph ({@code BlockDriverState}) as users outside the graph see it: what it is, where it
 * sits, and how long it is. Read-only: it has no setters and no I/O. Users read and write a node through a
 * {@code BlockBackend} ({@code org.blocklayer.api.backend}); only its driver gets the node's driver-facing view
 * ({@code org.blocklayer.api.driver.DriverNode}).
 *
 * <p>Length queries come in pairs as in QEMU: {@code coX} is the coroutine function and needs the graph read lock;
 * {@code x} is its mixed wrapper ({@code co_wrapper_mixed_bdrv_rdlock}), callable from anywhere: inside a coroutine
 * it runs {@code coX} inline; outside, it runs {@code coX} in a new coroutine in this node's context, holding the
 * read lock, and waits for it. A thread that is no event loop (a shell session, an application) hands that
 * coroutine to the node's context and blocks until it ends.
 */
@ProviderType
public interface BlockNode {

    /** Sector size the length is counted in ({@code BDRV_SECTOR_SIZE}). */
    int SECTOR_SIZE = 512;

    String nodeName();

    /**
     * The name of the node's driver ({@code bdrv_get_format_name}), or null once the medium is gone (then lengths
     * fail with ENOMEDIUM).
     */
    String driverName();

    /** The filename the node was opened with, or null. */
    String filename();

    AioContext aioContext();

    int openFlags();

    boolean isReadOnly();

    /** The options the node was opened with (a copy). */
    BlockOptions options();

    /** The cached length in sectors ({@code bs->total_sectors}). */
    long totalSectors();

    /** True for a SCSI generic device ({@code bdrv_is_sg}): its length is never queried from the driver. */
    boolean isSg();

    /** The primary data child ({@code bs->file}), or null. */
    BlockChild file();

    /** The COW child ({@code bs->backing}), or null. */
    BlockChild backing();

    /** The edges to this node's children ({@code bs->children}), a snapshot. */
    List<? extends BlockChild> children();

    /** The edges from the nodes that use this one as a child ({@code bs->parents}), a snapshot. */
    List<BlockChild> parents();

    /** {@code bdrv_co_nb_sectors}: the length in sectors; variable-length drivers are asked every time. */
    @CoroutineFn
    @GraphRdlock
    long coNbSectors() throws BlockException;

    /** {@code bdrv_co_getlength}: the length in bytes, always a multiple of 512. */
    @CoroutineFn
    @GraphRdlock
    long coGetLength() throws BlockException;

    /** {@code bdrv_nb_sectors}. */
    long nbSectors() throws BlockException;

    /** {@code bdrv_getlength}. */
    long getLength() throws BlockException;
}
