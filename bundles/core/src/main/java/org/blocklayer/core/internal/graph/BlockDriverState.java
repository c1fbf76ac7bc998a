package org.blocklayer.core.internal.graph;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.BlockLimits;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.CoQueue;
import org.blocklayer.core.internal.coroutine.CoRwLock;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.lock.GraphRwLock;

/**
 * A node of the block graph ({@code BlockDriverState}, block.c): the read-only view users get and the
 * driver-facing view its driver gets. Its lengths follow the seed change: the coroutine functions need the graph
 * read lock; the plain names are their {@code co_wrapper_mixed_bdrv_rdlock} wrappers. Its I/O functions are core's
 * own: users reach them through a BlockBackend, drivers through their children's edges.
 */
public final class BlockDriverState implements DriverNode {
    private final Graph graph;
    private final GraphRwLock graphLock;
    private final String nodeName;
    private final BlockOptions options;
    private final List<BdrvChild> children = new CopyOnWriteArrayList<>();
    private final List<BdrvChild> parents = new CopyOnWriteArrayList<>();
    private volatile BlockDriver drv;
    private volatile EventLoop ctx;
    /** {@code pin-context=on}: a move that would take this node out of its context is refused. */
    private volatile boolean contextPinned;
    private volatile String filename;
    private volatile long totalSectors;
    private volatile boolean sg;
    private volatile Object opaque;
    private volatile String goneDriver;
    private volatile boolean reattaching;
    private volatile BdrvChild file;
    private volatile BdrvChild backing;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CoQueue drainedWaiters = new CoQueue();
    private int openFlags;
    private int refcnt = 1;
    /**
     * {@code bs->quiesce_counter}: how many drained sections cover this node. Written in the main loop only; read by
     * backends' requests in the node's context, which wait while it is above zero.
     */
    private volatile int quiesceCounter;
    /** The BlockBackends attached to this node as their root; main loop only, read anywhere. */
    private final List<BlockBackendImpl> backends = new CopyOnWriteArrayList<>();
    /** What all users take and share, as the last permission refresh set it ({@code bdrv_get_cumulative_perm}). */
    private volatile int cumulativeTaken;
    private volatile int cumulativeShared = Permissions.ALL;
    private volatile BlockLimits.Limits limits = BlockLimits.Limits.NONE;
    private final CoRwLock serialisingWrites = new CoRwLock();

    BlockDriverState(Graph graph, GraphRwLock graphLock, String nodeName, BlockOptions options, int openFlags,
                     EventLoop ctx) {
        this.graph = graph;
        this.graphLock = graphLock;
        this.nodeName = nodeName;
        this.options = options.copy();
        this.openFlags = openFlags;
        this.ctx = ctx;
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    /** The driver, or null once the medium is gone; core's own, never handed out. */
    public BlockDriver driver() {
        return drv;
    }

    @Override
    public String driverName() {
        BlockDriver d = drv;
        return d == null ? null : d.formatName();
    }

    void setDriver(BlockDriver drv) {
        this.drv = drv;
    }

    @Override
    public String filename() {
        return filename;
    }

    void setFilename(String filename) {
        this.filename = filename;
    }

    @Override
    public EventLoop aioContext() {
        return ctx;
    }

    /** For {@link ContextChange} only: drained, under the graph write lock, holding both contexts' locks. */
    void setAioContext(EventLoop ctx) {
        this.ctx = ctx;
    }

    boolean isContextPinned() {
        return contextPinned;
    }

    void setContextPinned(boolean pinned) {
        this.contextPinned = pinned;
    }

    @Override
    public int openFlags() {
        return openFlags;
    }

    @Override
    public boolean isReadOnly() {
        return (openFlags & OpenFlags.RDWR) == 0;
    }

    @Override
    public BlockOptions options() {
        return options.copy();
    }

    @Override
    public long totalSectors() {
        return totalSectors;
    }

    @Override
    public void setTotalSectors(long sectors) {
        this.totalSectors = sectors;
    }

    @Override
    public boolean isSg() {
        return sg;
    }

    @Override
    public void setSg(boolean sg) {
        this.sg = sg;
    }

    @Override
    public <T> T opaque(Class<T> type) {
        return type.cast(opaque);
    }

    @Override
    public void setOpaque(Object state) {
        this.opaque = state;
    }

    @Override
    public BdrvChild file() {
        return file;
    }

    @Override
    public BdrvChild backing() {
        return backing;
    }

    @Override
    public List<DriverChild> children() {
        return List.copyOf(children);
    }

    @Override
    public List<BlockChild> parents() {
        return List.copyOf(parents);
    }

    List<BdrvChild> childEdges() {
        return children;
    }

    List<BdrvChild> parentEdges() {
        return parents;
    }

    @Override
    @GlobalStateCode
    public BdrvChild openChild(BlockOptions options, String childName, Set<ChildRole> roles, boolean allowNone)
            throws BlockException {
        return graph.openChild(this, options, childName, roles, allowNone);
    }

    /** Records an edge on both ends and sets {@code bs->file}/{@code bs->backing} by role (B21). */
    void attach(BdrvChild edge) {
        children.add(edge);
        edge.node().parents.add(edge);
        if (edge.roles().contains(ChildRole.COW)) {
            backing = edge;
        } else if (edge.roles().contains(ChildRole.PRIMARY)) {
            file = edge;
        }
    }

    /** Removes an edge from both ends (B21). */
    void detach(BdrvChild edge) {
        children.remove(edge);
        edge.node().parents.remove(edge);
        if (file == edge) {
            file = null;
        }
        if (backing == edge) {
            backing = null;
        }
    }

    int ref() {
        return ++refcnt;
    }

    int unrefCount() {
        return --refcnt;
    }

    int refcnt() {
        return refcnt;
    }

    // ---- drain ----

    /** Adds {@code delta} to the quiesce counter and returns the new value. */
    int quiesce(int delta) {
        quiesceCounter += delta;
        return quiesceCounter;
    }

    public int quiesceCounter() {
        return quiesceCounter;
    }

    /** Requests in flight on this node ({@code bs->in_flight}). */
    public int inFlight() {
        return inFlight.get();
    }

    /** {@code bdrv_inc_in_flight}. */
    private void incInFlight() {
        inFlight.incrementAndGet();
    }

    /** {@code bdrv_dec_in_flight}: the last request out wakes whoever drains. */
    private void decInFlight() {
        inFlight.decrementAndGet();
        graph.scheduler().aioWait().kick();
    }

    /** Lets requests that waited for the end of a drained section go on. */
    void wakeDrainedWaiters() {
        drainedWaiters.restartAll();
    }

    /**
     * {@code blk_wait_while_drained}'s wait: yields while a drained section covers this node; true when it waited.
     * The check and the wait are one step against {@link #wakeDrainedWaiters()}, so no wakeup is lost.
     */
    @CoroutineFn
    boolean coWaitWhileDrained() {
        return drainedWaiters.coWaitIf(() -> quiesceCounter > 0);
    }

    /** Requests of backends waiting for the drained section to end; for tests and {@code block:info}. */
    boolean hasDrainedWaiters() {
        return !drainedWaiters.isEmpty();
    }

    // ---- limits (B48) ----

    /** {@code bs->bl}: what the driver and its data children allow; set after each driver open. */
    BlockLimits.Limits limits() {
        return limits;
    }

    void setLimits(BlockLimits.Limits limits) {
        this.limits = limits;
    }

    /** Padded writes hold it for writing, other writes for reading, on nodes with an alignment above 1. */
    CoRwLock serialisingWrites() {
        return serialisingWrites;
    }

    // ---- permissions ----

    List<BlockBackendImpl> backends() {
        return backends;
    }

    void setCumulativePermissions(int taken, int shared) {
        this.cumulativeTaken = taken;
        this.cumulativeShared = shared;
    }

    /** {@code bdrv_get_cumulative_perm}: what this node's users take, as a {@code BLK_PERM_*} mask. */
    int cumulativeTaken() {
        return cumulativeTaken;
    }

    /** What every user of this node shares, as a {@code BLK_PERM_*} mask. */
    int cumulativeShared() {
        return cumulativeShared;
    }

    // ---- lengths: the seed change ----

    /**
     * {@code bdrv_co_refresh_total_sectors}: sets {@code total_sectors} from the driver's length, or to
     * {@code hint} when the driver has no getlength (B3); never asks an sg device (B2); on failure leaves
     * {@code total_sectors} as it was (B1, B4).
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coRefreshTotalSectors(long hint) throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_refresh_total_sectors");
        BlockDriver d = drv;
        if (d == null) {
            throw noMedium();
        }
        // Do not attempt the driver's getlength on scsi-generic devices.
        if (sg) {
            return;
        }
        long sectors = hint;
        if (d instanceof GetLength getLength) {
            long length = getLength.coGetLength(this);
            if (length < 0) {
                Errno errno = Errno.of((int) Math.max(length, Integer.MIN_VALUE + 1));
                throw error(errno, "Could not get the length: " + errno.description());
            }
            sectors = divRoundUp(length, SECTOR_SIZE);
        }
        totalSectors = sectors;
    }

    /**
     * {@code bdrv_co_nb_sectors}: a variable-length driver is asked again, with the current value as hint (B9);
     * otherwise the cached value is returned without asking it (B10).
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coNbSectors() throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_nb_sectors");
        BlockDriver d = drv;
        if (d == null) {
            throw noMedium();
        }
        if (d.hasVariableLength()) {
            coRefreshTotalSectors(totalSectors);
        }
        return totalSectors;
    }

    /** {@code bdrv_co_getlength}: bytes, always a multiple of 512 (B6); EFBIG when that would overflow (B7). */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength() throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_getlength");
        long sectors = coNbSectors();
        if (sectors > Long.MAX_VALUE / SECTOR_SIZE) {
            throw error(Errno.EFBIG, "Length of " + sectors + " sectors does not fit in 64 bits");
        }
        return sectors * SECTOR_SIZE;
    }

    @Override
    public void refreshTotalSectors(long hint) throws BlockException {
        CoWrappers.mixedRdlock(wrapperContext(), graphLock, () -> {
            coRefreshTotalSectors(hint);
            return null;
        });
    }

    @Override
    public long nbSectors() throws BlockException {
        return CoWrappers.mixedRdlock(wrapperContext(), graphLock, this::coNbSectors);
    }

    @Override
    public long getLength() throws BlockException {
        return CoWrappers.mixedRdlock(wrapperContext(), graphLock, this::coGetLength);
    }

    private EventLoop wrapperContext() {
        return WrapperContext.of(this, graph.scheduler());
    }

    // ---- I/O ----

    @CoroutineFn
    @GraphRdlock
    public void coPreadv(long offset, ByteBuffer buf, int flags) throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_preadv");
        incInFlight();
        try {
            BlockDriver d = checkRequest(offset, buf, "read");
            RequestPadding.read(this, d, offset, buf, flags);
        } finally {
            decInFlight();
        }
    }

    @CoroutineFn
    @GraphRdlock
    public void coPwritev(long offset, ByteBuffer buf, int flags) throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_pwritev");
        incInFlight();
        try {
            BlockDriver d = checkRequest(offset, buf, "write");
            if (isReadOnly()) {
                throw error(Errno.EPERM, "Block node is read-only");
            }
            RequestPadding.write(this, d, offset, buf, flags);
        } finally {
            decInFlight();
        }
    }

    @CoroutineFn
    @GraphRdlock
    public void coFlush() throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_flush");
        incInFlight();
        try {
            BlockDriver d = drv;
            if (d == null) {
                throw noMedium();
            }
            if ((openFlags & OpenFlags.NO_FLUSH) != 0) {
                return;
            }
            d.coFlush(this);
        } finally {
            decInFlight();
        }
    }

    /** Largest zeroed buffer the write-zeroes fallback writes at once ({@code MAX_WRITE_ZEROES_BOUNCE_BUFFER}). */
    static final int ZEROES_BOUNCE = 1 << 20;

    /**
     * {@code bdrv_co_pwrite_zeroes} → {@code bdrv_co_do_pwrite_zeroes}: the driver's write zeroes where it has one;
     * where it has none or answers ENOTSUP, a zeroed buffer (B49), unless NO_FALLBACK asks for ENOTSUP instead.
     */
    @CoroutineFn
    @GraphRdlock
    public void coPwriteZeroes(long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_pwrite_zeroes");
        incInFlight();
        try {
            BlockDriver d = checkRange(offset, bytes, "write zeroes to");
            if (isReadOnly()) {
                throw error(Errno.EPERM, "Block node is read-only");
            }
            if (bytes == 0) {
                return;
            }
            if (d instanceof WriteZeroes zeroes) {
                try {
                    zeroes.coPwriteZeroes(this, offset, bytes, flags);
                    return;
                } catch (BlockException e) {
                    if (e.errno() != Errno.ENOTSUP) {
                        throw e;
                    }
                }
            }
            if (flags.contains(RequestFlag.NO_FALLBACK)) {
                throw error(Errno.ENOTSUP, "Cannot write zeroes to " + bytes + " bytes at offset " + offset
                        + " without writing a buffer of them (NO_FALLBACK)");
            }
            int fua = flags.contains(RequestFlag.FUA) ? RequestFlag.FUA.value() : 0;
            ByteBuffer zeroBuffer = ByteBuffer.allocate((int) Math.min(bytes, ZEROES_BOUNCE));
            for (long done = 0; done < bytes; ) {
                int n = (int) Math.min(zeroBuffer.capacity(), bytes - done);
                d.coPwritev(this, offset + done, zeroBuffer.clear().limit(n), fua);
                done += n;
            }
        } finally {
            decInFlight();
        }
    }

    /**
     * {@code bdrv_co_pdiscard}: EPERM on a read-only node; otherwise advice: nothing happens without
     * {@code discard=unmap} or a driver that can discard, and the driver's ENOTSUP is success (B50).
     */
    @CoroutineFn
    @GraphRdlock
    public void coPdiscard(long offset, long bytes) throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_pdiscard");
        incInFlight();
        try {
            BlockDriver d = checkRange(offset, bytes, "discard");
            if (isReadOnly()) {
                throw error(Errno.EPERM, "Block node is read-only");
            }
            if ((openFlags & OpenFlags.UNMAP) == 0 || !(d instanceof Discard discard) || bytes == 0) {
                return;
            }
            try {
                discard.coPdiscard(this, offset, bytes);
            } catch (BlockException e) {
                if (e.errno() != Errno.ENOTSUP) {
                    throw e;
                }
            }
        } finally {
            decInFlight();
        }
    }

    /**
     * {@code bdrv_co_block_status}: past the end, EOF with no bytes; a driver without the capability has data
     * everywhere (a protocol's at the same offset of itself); a RAW answer asks the node it names; data or zero
     * means allocated here.
     */
    @CoroutineFn
    @GraphRdlock
    public BlockStatus.Status coBlockStatus(boolean wantZero, long offset, long bytes) throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_block_status");
        BlockDriver d = drv;
        if (d == null) {
            throw noMedium();
        }
        long total = coGetLength();
        if (offset < 0 || bytes < 0) {
            throw error(Errno.EINVAL, "Invalid block status request: " + bytes + " bytes at offset " + offset);
        }
        if (offset >= total) {
            return new BlockStatus.Status(BlockStatus.Status.EOF, 0, 0, null);
        }
        long n = Math.min(bytes, total - offset);
        if (n == 0) {
            return new BlockStatus.Status(0, 0, 0, null);
        }
        if (!(d instanceof BlockStatus status)) {
            int flags = BlockStatus.Status.DATA | BlockStatus.Status.ALLOCATED;
            if (d.protocolName() != null) {
                flags |= BlockStatus.Status.OFFSET_VALID;
            }
            return new BlockStatus.Status(flags, n, offset, d.protocolName() != null ? this : null);
        }
        BlockStatus.Status answer = status.coBlockStatus(this, wantZero, offset, n);
        if (answer.bytes() <= 0 || answer.bytes() > n) {
            throw error(Errno.EIO, "driver reported block status for " + answer.bytes() + " bytes of " + n);
        }
        if (answer.has(BlockStatus.Status.RAW)) {
            BdrvChild below = childHolding(answer);
            return below.coBlockStatus(wantZero, answer.map(), answer.bytes());
        }
        int flags = answer.flags();
        if ((flags & (BlockStatus.Status.DATA | BlockStatus.Status.ZERO)) != 0) {
            flags |= BlockStatus.Status.ALLOCATED;
        }
        return new BlockStatus.Status(flags, answer.bytes(), answer.map(), answer.file());
    }

    /** The child a RAW block status answer sends core on to: only a child of this node can be asked. */
    private BdrvChild childHolding(BlockStatus.Status answer) throws BlockException {
        if (answer.file() == null) {
            throw error(Errno.EIO, "driver reported RAW block status without a file");
        }
        for (BdrvChild edge : children) {
            if (edge.node() == answer.file()) {
                return edge;
            }
        }
        throw error(Errno.EIO, "driver reported RAW block status on node '" + answer.file().nodeName()
                + "', which is not its child");
    }

    /**
     * {@code bdrv_co_truncate}: checks as QEMU (no medium, negative size, read-only), lets the driver resize, then
     * refreshes with hint {@code offset >> 9} (B14).
     */
    @CoroutineFn
    @GraphRdlock
    public long coTruncate(long offset) throws BlockException {
        assert Rules.coroutineReader(graphLock, "bdrv_co_truncate");
        incInFlight();
        try {
            BlockDriver d = drv;
            if (d == null) {
                throw noMedium();
            }
            if (offset < 0) {
                throw error(Errno.EINVAL, "Image size cannot be negative");
            }
            if (isReadOnly()) {
                throw error(Errno.EACCES, "Image is read-only");
            }
            if (!(d instanceof Truncate resize)) {
                throw error(Errno.ENOTSUP, "Image format driver '" + d.formatName() + "' does not support resize");
            }
            resize.coTruncate(this, offset);
            try {
                coRefreshTotalSectors(offset >> 9);
            } catch (BlockException e) {
                throw new BlockException(e.errno(), prefix() + "Could not refresh total sector count: "
                        + e.getMessage(), e);
            }
            return totalSectors * SECTOR_SIZE;
        } finally {
            decInFlight();
        }
    }

    public long truncate(long offset) throws BlockException {
        return CoWrappers.mixedRdlock(wrapperContext(), graphLock, this::awaitMedium, () -> coTruncate(offset));
    }

    public void pread(long offset, ByteBuffer buf, int flags) throws BlockException {
        CoWrappers.mixedRdlock(wrapperContext(), graphLock, this::awaitMedium, () -> {
            coPreadv(offset, buf, flags);
            return null;
        });
    }

    public void pwrite(long offset, ByteBuffer buf, int flags) throws BlockException {
        CoWrappers.mixedRdlock(wrapperContext(), graphLock, this::awaitMedium, () -> {
            coPwritev(offset, buf, flags);
            return null;
        });
    }

    public void flush() throws BlockException {
        CoWrappers.mixedRdlock(wrapperContext(), graphLock, this::awaitMedium, () -> {
            coFlush();
            return null;
        });
    }

    /**
     * The gate of the I/O wrappers: from outside a coroutine, a request first waits, without any lock, while a
     * driver of this subgraph is away (X2), then takes the read lock.
     */
    @CoroutineFn
    private Void awaitMedium() {
        MediumWait.await(this, graph.detachTimeoutNanos(), graph.mediumWaiters());
        return null;
    }

    /** {@link #checkRequest} for a request without a buffer: {@code bytes} from {@code offset}. */
    @CoroutineFn
    @GraphRdlock
    private BlockDriver checkRange(long offset, long bytes, String what) throws BlockException {
        BlockDriver d = drv;
        if (d == null) {
            throw noMedium();
        }
        if (offset < 0 || bytes < 0) {
            throw error(Errno.EIO, "Cannot " + what + " " + bytes + " bytes at offset " + offset + ": negative");
        }
        long length = coGetLength();
        if (offset > length || length - offset < bytes) {
            throw error(Errno.EIO, "Cannot " + what + " " + bytes + " bytes at offset " + offset
                    + ": the node ends at " + length);
        }
        return d;
    }

    /** {@code bdrv_check_request} plus the end-of-device check a BlockBackend does ({@code blk_check_byte_request}). */
    @CoroutineFn
    @GraphRdlock
    private BlockDriver checkRequest(long offset, ByteBuffer buf, String what) throws BlockException {
        BlockDriver d = drv;
        if (d == null) {
            throw noMedium();
        }
        if (offset < 0) {
            throw error(Errno.EIO, "Cannot " + what + " at negative offset " + offset);
        }
        long length = coGetLength();
        if (offset > length || length - offset < buf.remaining()) {
            throw error(Errno.EIO, "Cannot " + what + " " + buf.remaining() + " bytes at offset " + offset
                    + ": the node ends at " + length);
        }
        return d;
    }

    // ---- errors ----

    /** ENOMEDIUM naming the node (B1, B8). */
    BlockException noMedium() {
        String gone = goneDriver;
        return new BlockException(Errno.ENOMEDIUM, "node '" + nodeName + "', "
                + (gone == null ? "no driver" : "driver '" + gone + "' gone") + ": No medium found");
    }

    /** The name of the driver that left this node (X1), until one of that name takes it back (X2); else null. */
    public String goneDriver() {
        return goneDriver;
    }

    void setGoneDriver(String name) {
        this.goneDriver = name;
    }

    /** True while a returning driver reopens this node: openChild then reuses the children it has. */
    boolean isReattaching() {
        return reattaching;
    }

    void setReattaching(boolean reattaching) {
        this.reattaching = reattaching;
    }

    /** An error whose message names this node and its driver. */
    BlockException error(Errno errno, String message) {
        return new BlockException(errno, prefix() + message);
    }

    String prefix() {
        BlockDriver d = drv;
        return "node '" + nodeName + "', driver " + (d == null ? "-" : "'" + d.formatName() + "'") + ": ";
    }

    static long divRoundUp(long n, long d) {
        return n / d + (n % d == 0 ? 0 : 1);
    }

    @Override
    public String toString() {
        BlockDriver d = drv;
        return "node '" + nodeName + "' (" + (d == null ? "no medium" : d.formatName()) + ")";
    }
}
