package org.blocklayer.core.internal.graph;

import java.util.List;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.EventLoop;

/**
 * Opening a node: {@code bdrv_open_inherit} (options from a filename, driver choice, node name, leftover options)
 * and {@code bdrv_open_driver} (the driver's open, then the length refresh of the seed change). A failure anywhere
 * leaves nothing behind: the node leaves the graph and the children it opened are released.
 */
final class NodeOpener {
    /** The format probing falls back to: an empty image, a SCSI generic device, or one no other format recognises. */
    static final String DEFAULT_FORMAT = "raw";
    /** The protocol for a plain path. */
    static final String DEFAULT_PROTOCOL = "file";
    /** The options every node takes, which block.c consumes before the driver sees the rest. */
    private static final List<String> CORE_KEYS = List.of("driver", "node-name", "read-only", "cache.direct",
            "cache.no-flush", "discard", ContextChange.PIN_OPTION);

    /**
     * How deep children may nest in one open ({@code file.file.file...}). QEMU's option parsers end somewhere too;
     * without a bound a long enough chain overflows the main loop's stack halfway through building it. Real graphs
     * are a few levels deep; a backing chain of a few dozen snapshots still fits.
     */
    static final int MAX_NESTING = 64;

    private final Graph graph;
    private final FormatGuess formatGuess;
    /** Children being opened, one inside the other, right now; main loop only. */
    private int nesting;

    NodeOpener(Graph graph) {
        this.graph = graph;
        this.formatGuess = new FormatGuess(graph, this);
    }

    /**
     * {@code bdrv_open_inherit}: {@code options} are consumed; the node is created in {@code ctx} (a child inherits
     * its parent's) and pinned there when {@code pin-context=on}. A driver's open may still move it, when it
     * references an existing node in another context ({@link ChildOpener}).
     */
    @GlobalStateCode
    BlockDriverState open(String filename, BlockOptions options, int flags, BlockDriverState parent, EventLoop ctx)
            throws BlockException {
        BlockOptions given = options.copy();
        // Null: a format over a protocol, probed once its file child is open (find_image_format).
        BlockDriver chosen = DriverChoice.choose(graph.driverRegistry(), filename, options);
        String name = graph.table().assignName(options.takeString("node-name"));
        Boolean readOnly = options.takeBool("read-only");
        boolean pinned = Boolean.TRUE.equals(options.takeBool(ContextChange.PIN_OPTION));
        int openFlags = Boolean.TRUE.equals(readOnly) ? flags & ~OpenFlags.RDWR
                : Boolean.FALSE.equals(readOnly) ? flags | OpenFlags.RDWR : flags;
        // update_flags_from_options: the cache options are block.c's, as flags the children inherit.
        openFlags = flag(openFlags, OpenFlags.NOCACHE, options.takeBool("cache.direct"));
        openFlags = flag(openFlags, OpenFlags.NO_FLUSH, options.takeBool("cache.no-flush"));
        openFlags = flag(openFlags, OpenFlags.UNMAP, OpenFlags.parseDiscard(options.takeString("discard")));
        if (chosen != null && chosen.protocolName() != null) {
            openFlags |= OpenFlags.PROTOCOL;
        }
        String protocolFilename = options.get("filename");

        BlockDriverState bs = new BlockDriverState(graph, graph.graphLock(), name, given, openFlags, ctx);
        bs.setContextPinned(pinned);
        // bdrv_new: a node born inside drain_all sections starts as drained as every other node (B13).
        bs.drainState().quiesce(graph.drainer().drainAllCount());
        graph.table().insert(bs);
        BlockDriver drv;
        try {
            int flagsForDriver = openFlags;
            drv = ContextLocks.holding(ctx, () -> chosen != null
                    ? openDriver(bs, chosen, options, flagsForDriver)
                    : openProbed(bs, filename, options, flagsForDriver));
            if (!options.isEmpty()) {
                String key = options.keys().iterator().next();
                BlockException unsupported = bs.error(Errno.EINVAL, drv.protocolName() != null
                        ? "Block protocol '" + drv.formatName() + "' doesn't support the option '" + key + "'"
                        : "Block format '" + drv.formatName() + "' does not support the option '" + key + "'");
                releaseOpened(bs);
                throw unsupported;
            }
        } catch (BlockException | RuntimeException e) {
            graph.table().forget(bs);
            throw e;
        }
        bs.setFilename(protocolFilename != null ? protocolFilename
                : bs.file() != null ? bs.file().node().filename()
                : drv.protocolName() != null ? describe(given) : null);
        return bs;
    }

    /**
     * A new child for {@code parent}'s open ({@code bdrv_open_child} creating one), in the parent's context with its
     * flags; EINVAL naming the parent when that would nest deeper than {@link #MAX_NESTING}.
     */
    @GlobalStateCode
    BlockDriverState openChild(BlockDriverState parent, String childName, BlockOptions childOptions)
            throws BlockException {
        if (nesting >= MAX_NESTING) {
            throw parent.error(Errno.EINVAL, "Cannot open child '" + childName + "': nodes nest at most "
                    + MAX_NESTING + " levels deep");
        }
        nesting++;
        try {
            return open(null, childOptions, parent.openFlags(), parent, parent.aioContext());
        } finally {
            nesting--;
        }
    }

    /**
     * Probes the format over the file child ({@link FormatGuess}) and opens it; our hold on the child goes once the
     * format holds it, or with the failure. Returns the format. The caller holds {@code bs}'s AioContext lock.
     */
    @GlobalStateCode
    private BlockDriver openProbed(BlockDriverState bs, String filename, BlockOptions options, int flags)
            throws BlockException {
        FormatGuess.Probed probed = formatGuess.probe(bs, filename, options);
        try {
            return openDriver(bs, probed.format(), options, flags);
        } finally {
            graph.release().unref(probed.file());
        }
    }

    /**
     * {@code bdrv_open_driver}; returns {@code drv}. The caller holds {@code bs}'s AioContext lock: the length
     * refresh below is a co_wrapper that polls (the seed change).
     */
    @GlobalStateCode
    BlockDriver openDriver(BlockDriverState bs, BlockDriver drv, BlockOptions options, int flags)
            throws BlockException {
        if (bs.aioContext().lockHoldCount() == 0) {
            throw new IllegalStateException("bdrv_open_driver: the caller must hold the AioContext lock of "
                    + bs.aioContext());
        }
        bs.medium().setDriver(drv);
        try {
            drv.open(bs, options, flags);
        } catch (BlockException e) {
            failOpen(bs);
            throw named(bs, drv, e);
        } catch (RuntimeException e) {
            failOpen(bs);
            throw new BlockException(Errno.EIO, bs.nodeName(), drv.formatName(),
                    "the driver failed to open the node: " + OpenRollback.inWords(e), e);
        }
        try {
            bs.padding().setLimits(NodeLimits.refresh(bs, drv));
        } catch (BlockException | RuntimeException e) {
            releaseOpened(bs);
            throw e instanceof BlockException be ? named(bs, drv, be)
                    : new BlockException(Errno.EINVAL, bs.nodeName(), drv.formatName(),
                            "Invalid block limits: " + e.getMessage(), e);
        }
        try {
            // With drv given: while a driver reopens a node (X2), requests do not see it yet, this refresh must.
            // The driver's open may have moved the node into a child's context (B42): hold that one's lock.
            ContextLocks.holding(bs.aioContext(), () -> {
                NodeLength.refreshTotalSectors(bs, drv, bs.totalSectors());
                return null;
            });
        } catch (BlockException e) {
            releaseOpened(bs);
            throw named(bs, drv, e.prepend("Could not refresh total sector count: "));
        }
        // The driver was not there when the node was quiesced: it hears every drain it missed (B13).
        for (int i = 0; i < bs.drainState().quiesceCounter(); i++) {
            drv.drainBegin(bs);
        }
        return drv;
    }

    /**
     * X2: opens {@code driver} again on a node that lost its driver, with the options the node was opened with,
     * over the children it kept. Leftover options are ignored: they were accepted once.
     */
    @GlobalStateCode
    void reopenDriver(BlockDriverState bs, BlockDriver driver) throws BlockException {
        BlockOptions options = bs.options();
        for (String coreKey : CORE_KEYS) {
            options.takeString(coreKey);
        }
        bs.medium().setReattaching(true);
        try {
            ContextLocks.holding(bs.aioContext(), () -> openDriver(bs, driver, options, bs.openFlags()));
        } finally {
            bs.medium().setReattaching(false);
        }
    }

    /** {@code bdrv_open_driver}'s {@code open_failed}: no driver, no state, no children (B12). */
    private void failOpen(BlockDriverState bs) {
        bs.medium().setDriver(null);
        bs.setOpaque(null);
        if (!bs.medium().isReattaching()) {
            releaseChildren(bs);
        }
    }

    /** Undoes a successful driver open; a node being reattached keeps its children for the next try. */
    private void releaseOpened(BlockDriverState bs) {
        graph.release().closeDriverQuietly(bs);
        if (!bs.medium().isReattaching()) {
            releaseChildren(bs);
        }
    }

    private void releaseChildren(BlockDriverState bs) {
        for (BdrvChild edge : List.copyOf(bs.edges().children())) {
            graph.release().unrefChild(edge);
        }
    }

    /**
     * What stands for the filename of a protocol node opened without one (nbd's server.* options): its options as
     * given, without the ones every node has, as QEMU falls back to describing a node by its options.
     */
    private static String describe(BlockOptions given) {
        BlockOptions shown = given.copy();
        for (String key : CORE_KEYS) {
            shown.takeString(key);
        }
        return shown.isEmpty() ? null : shown.toString();
    }

    private static int flag(int flags, int bit, Boolean on) {
        return on == null ? flags : on ? flags | bit : flags & ~bit;
    }

    /**
     * {@code e} said of {@code bs} and the driver it was opened with, unless it names a node already: a child's
     * failure names the child, the innermost node that failed.
     */
    private static BlockException named(BlockDriverState bs, BlockDriver drv, BlockException e) {
        return e.node() != null ? e : e.withNode(bs.nodeName(), drv.formatName());
    }
}
