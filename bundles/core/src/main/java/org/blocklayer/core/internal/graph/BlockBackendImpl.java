package org.blocklayer.core.internal.graph;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockDevOps;
import org.blocklayer.api.backend.MapEntry;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.CoCallIn;
import org.blocklayer.core.internal.coroutine.CoFn;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.EventLoop;

/**
 * {@code BlockBackend} (block/block-backend.c): a user of one root node with its permissions, and the one route of
 * outside code into the node. Every request runs as a coroutine in the node's AioContext ({@code blk_pread} and the
 * other co_wrappers); in there it counts as in flight on the backend, waits while the node is drained without being
 * counted ({@code blk_wait_while_drained}), then runs under the graph read lock.
 */
final class BlockBackendImpl implements BlockBackend, PermissionUser {
    private final Backends owner;
    private final String name;
    /** Who uses an anonymous backend, for messages ({@code blk_get_attached_dev_id}); null for nobody named. */
    private final String device;
    private final BlockDriverState root;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile int taken;
    private volatile int shared;
    private volatile boolean closed;
    private volatile boolean allowContextChange = true;
    private volatile BlockDevOps devOps;
    private volatile boolean disableRequestQueuing;
    /** {@code blk->quiesce_counter != 0}: the user heard drained_begin and not yet drained_end. */
    private boolean quiesced;

    BlockBackendImpl(Backends owner, String name, String device, BlockDriverState root, int taken, int shared) {
        this.owner = owner;
        this.name = name;
        this.device = device;
        this.root = root;
        this.taken = taken;
        this.shared = shared;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String nodeName() {
        return root.nodeName();
    }

    @Override
    public void setAllowAioContextChange(boolean allow) {
        allowContextChange = allow;
    }

    @Override
    public boolean allowsAioContextChange() {
        return allowContextChange;
    }

    /** Main loop (the graph's global state), as QEMU's {@code blk_set_dev_ops}. */
    @Override
    public void setDevOps(BlockDevOps ops) {
        synchronized (this) {
            devOps = ops;
            if (ops != null && root.drainState().quiesceCounter() > 0 && !quiesced) {
                // Set inside a drained section: the new user hears its beginning, as an attach to a drained node.
                quiesced = true;
                callDevOps("drained_begin", BlockDevOps::drainedBegin);
            }
        }
    }

    @Override
    public void setDisableRequestQueuing(boolean disable) {
        disableRequestQueuing = disable;
    }

    /** {@code blk_root_drained_begin}: the root node entered a drained section. */
    synchronized void drainedBegin() {
        if (!quiesced) {
            quiesced = true;
            callDevOps("drained_begin", BlockDevOps::drainedBegin);
        }
    }

    /** {@code blk_root_drained_end}. */
    synchronized void drainedEnd() {
        if (quiesced) {
            quiesced = false;
            callDevOps("drained_end", BlockDevOps::drainedEnd);
        }
    }

    /** {@code blk_root_drained_poll}'s user part: work of the user's own still running. */
    boolean drainedPoll() {
        BlockDevOps ops = devOps;
        if (ops == null) {
            return false;
        }
        try {
            return ops.drainedPoll();
        } catch (RuntimeException e) {
            owner.reportDevOpsFailure(this, "drained_poll", e);
            return false;
        }
    }

    /** The AioContext notifiers' callbacks (in the context's thread: {@link ContextChange} sees to it). */
    void detachAioContext(org.blocklayer.api.coroutine.AioContext old) {
        callDevOps("detach_aio_context", ops -> ops.detachAioContext(old));
    }

    void attachedAioContext(org.blocklayer.api.coroutine.AioContext ctx) {
        callDevOps("attached_aio_context", ops -> ops.attachedAioContext(ctx));
    }

    boolean hasDevOps() {
        return devOps != null;
    }

    private void callDevOps(String what, java.util.function.Consumer<BlockDevOps> call) {
        BlockDevOps ops = devOps;
        if (ops != null) {
            try {
                call.accept(ops);
            } catch (RuntimeException e) {
                owner.reportDevOpsFailure(this, what, e);
            }
        }
    }

    BlockDriverState root() {
        return root;
    }

    @Override
    public Set<Permission> permissions() {
        return Permission.of(taken);
    }

    @Override
    public Set<Permission> sharedPermissions() {
        return Permission.of(shared);
    }

    /** {@code blk_root_get_parent_desc}. */
    @Override
    public String userDescription() {
        if (!name.isEmpty()) {
            return "block device '" + name + "'";
        }
        return device == null ? "an unnamed block device" : device;
    }

    @Override
    public String childName() {
        return "root";
    }

    @Override
    public int takenMask() {
        return taken;
    }

    @Override
    public int sharedMask() {
        return shared;
    }

    /** For {@link Backends}, which checks the change through the graph first. */
    void setMasks(int taken, int shared) {
        this.taken = taken;
        this.shared = shared;
    }

    @Override
    public void setPermissions(Set<Permission> taken, Set<Permission> shared) throws BlockException {
        requireOpen();
        owner.setPermissions(this, Permission.mask(taken), Permission.mask(shared));
    }

    /** {@code blk->in_flight}: requests past their drained check and not yet finished. */
    int inFlight() {
        return inFlight.get();
    }

    @Override
    public long getLength() throws BlockException {
        return CoWrappers.mixed(enter(null), () -> coRequest(root::coGetLength));
    }

    @Override
    public void pread(long offset, ByteBuffer buf) throws BlockException {
        CoWrappers.mixed(enter(null), () -> coRequest(() -> {
            NodeIo.coPreadv(root, offset, buf, 0);
            return null;
        }));
    }

    @Override
    public void pwrite(long offset, ByteBuffer buf) throws BlockException {
        pwrite(offset, buf, Set.of());
    }

    @Override
    public void pwrite(long offset, ByteBuffer buf, Set<RequestFlag> flags) throws BlockException {
        int mask = RequestFlag.mask(flags);
        CoWrappers.mixed(enter(Permission.WRITE), () -> coRequest(() -> {
            NodeIo.coPwritev(root, offset, buf, mask);
            return null;
        }));
    }

    @Override
    public void flush() throws BlockException {
        CoWrappers.mixed(enter(null), () -> coRequest(() -> {
            NodeIo.coFlush(root);
            return null;
        }));
    }

    @Override
    public void pwriteZeroes(long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
        CoWrappers.mixed(enter(Permission.WRITE), () -> coRequest(() -> {
            ZeroesAndDiscard.coPwriteZeroes(root, offset, bytes, flags);
            return null;
        }));
    }

    @Override
    public void pdiscard(long offset, long bytes) throws BlockException {
        CoWrappers.mixed(enter(Permission.WRITE), () -> coRequest(() -> {
            ZeroesAndDiscard.coPdiscard(root, offset, bytes);
            return null;
        }));
    }

    /**
     * {@code qemu-img map}: block status extent by extent (at most 1 GiB each ask), down the backing chain where a
     * node holds neither data nor zeroes, merged as qemu-img merges.
     */
    @Override
    public List<MapEntry> map(long offset, long bytes) throws BlockException {
        return CoWrappers.mixed(enter(null), () -> coRequest(() -> {
            List<MapEntry> entries = new ArrayList<>();
            long end = offset + bytes;
            for (long at = offset; at < end; ) {
                NodeBlockStatus.Layered layered =
                        NodeBlockStatus.coBlockStatusInChain(root, at, Math.min(1L << 30, end - at));
                BlockStatus.Status st = layered.status();
                if (st.bytes() == 0) {
                    break;
                }
                boolean hasOffset = st.has(BlockStatus.Status.OFFSET_VALID);
                MapEntry e = new MapEntry(at, st.bytes(), layered.depth(), st.has(BlockStatus.Status.ALLOCATED),
                        st.has(BlockStatus.Status.ZERO), st.has(BlockStatus.Status.DATA), hasOffset ? st.map() : -1,
                        hasOffset && st.file() != null ? st.file().filename() : null);
                if (!entries.isEmpty() && entries.getLast().continuedBy(e)) {
                    entries.set(entries.size() - 1, entries.getLast().merge(e));
                } else {
                    entries.add(e);
                }
                at += st.bytes();
            }
            return entries;
        }));
    }

    @Override
    public long truncate(long length) throws BlockException {
        return CoWrappers.mixed(enter(Permission.RESIZE), () -> coRequest(() -> NodeIo.coTruncate(root, length)));
    }

    /**
     * The one route, checked: the context every request runs in, as a coroutine (a plain thread hands it over and
     * waits; an event-loop thread polls and, as the co_wrapper rule asks, holds that context's lock itself).
     */
    private EventLoop enter(Permission needed) throws BlockException {
        requireOpen();
        if (needed == Permission.WRITE && root.isReadOnly()) {
            throw root.error(Errno.EPERM, "Block node is read-only");
        }
        if (needed != null && (taken & needed.mask()) == 0) {
            // QEMU asserts here; a caller of ours gets an error it can read.
            throw new BlockException(Errno.EPERM, userDescription() + " has no '" + needed.qemuName()
                    + "' permission on node '" + root.nodeName() + "'");
        }
        return WrapperContext.of(this, owner.scheduler());
    }

    /**
     * {@code blk_co_do_preadv} and friends: in flight, held back while drained, then under the read lock, in the
     * node's context.
     */
    @CoroutineFn
    private <T> T coRequest(CoFn<T> body) throws BlockException {
        WaitClock clock = root.graph().waitClock();
        long deadline = clock.nanoTime() + owner.detachTimeoutNanos();
        for (;;) {
            MediumWait.await(root, deadline - clock.nanoTime());
            inFlight.incrementAndGet();
            try {
                // blk_wait_while_drained: a waiting request is not in flight, or the drain would wait for it forever.
                while (root.drainState().quiesceCounter() > 0 && !disableRequestQueuing) {
                    inFlight.decrementAndGet();
                    owner.kick();
                    root.drainState().coWaitWhileDrained();
                    inFlight.incrementAndGet();
                }
                // bdrv_co_enter: a driver sees requests only in its node's context. Counted in flight, the node stays
                // where it is (a move drains it first), so a caller in another context, or one whose node moved
                // since the request began (QEMU's AioContext lock would have kept it), has the rest run there, still
                // counted: a drain beginning meanwhile waits for it, and the driver is never detached under it.
                EventLoop home = root.aioContext();
                EventLoop here = EventLoop.currentOrNull();
                Attempt<T> attempt = here == home || here == null ? attempt(body, clock, deadline)
                        : CoCallIn.context(home, () -> attempt(body, clock, deadline));
                if (attempt.done()) {
                    return attempt.value();
                }
            } finally {
                inFlight.decrementAndGet();
                owner.kick();
            }
        }
    }

    /** The request under the read lock, unless a driver below is gone and may come back within the deadline. */
    @CoroutineFn
    private <T> Attempt<T> attempt(CoFn<T> body, WaitClock clock, long deadline) throws BlockException {
        try (GraphLock.Reader r = owner.graphLock().coRdlock()) {
            // A driver below may have gone between the wait and the lock (its detach holds the write lock): wait for
            // it again, within the same deadline (X2), rather than fail ENOMEDIUM at once.
            if (!MediumWait.waitsForDriver(root) || clock.nanoTime() - deadline >= 0) {
                return new Attempt<>(true, body.call());
            }
        }
        return new Attempt<>(false, null);
    }

    /** One pass of a request: done with its value, or to wait for a driver and go again. */
    private record Attempt<T>(boolean done, T value) {
    }

    private void requireOpen() throws BlockException {
        if (closed) {
            throw new BlockException(Errno.ENOMEDIUM, userDescription() + " is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.detach(this);
        }
    }

    @Override
    public String toString() {
        return userDescription() + " on node '" + root.nodeName() + "'";
    }
}
