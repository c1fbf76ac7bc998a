package org.blocklayer.core.internal.graph;

import java.util.List;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.api.lock.GraphLock;

/**
 * A node of the block graph ({@code BlockDriverState}, block.c): the read-only view users get and the
 * driver-facing view its driver gets. What the node does lives in rooms of its own, as QEMU's functions taking a
 * {@code bs}: its length in {@link NodeLength}, its requests in {@link NodeIo}, {@link ZeroesAndDiscard} and
 * {@link NodeBlockStatus}, its drained sections in {@link DrainState}, its users in {@link NodeUsers}.
 */
public final class BlockDriverState implements DriverNode {
    private final Graph graph;
    private final GraphLock graphLock;
    private final String nodeName;
    private final BlockOptions options;
    private final int openFlags;
    private final NodeEdges edges = new NodeEdges();
    private final NodeMedium medium = new NodeMedium();
    private final DrainState drainState;
    private final NodeUsers users = new NodeUsers();
    private final RequestPadding padding = new RequestPadding(this);
    private volatile EventLoop ctx;
    /** {@code pin-context=on}: a move that would take this node out of its context is refused. */
    private volatile boolean contextPinned;
    private volatile String filename;
    private volatile long totalSectors;
    private volatile boolean sg;
    private volatile Object opaque;

    BlockDriverState(Graph graph, GraphLock graphLock, String nodeName, BlockOptions options, int openFlags,
                     EventLoop ctx) {
        this.graph = graph;
        this.graphLock = graphLock;
        this.nodeName = nodeName;
        this.options = options.copy();
        this.openFlags = openFlags;
        this.ctx = ctx;
        this.drainState = new DrainState(graph.scheduler().aioWait());
    }

    // ---- what users see ----

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public String driverName() {
        BlockDriver d = medium.driver();
        return d == null ? null : d.formatName();
    }

    @Override
    public String filename() {
        return filename;
    }

    @Override
    public EventLoop aioContext() {
        return ctx;
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
    public boolean isSg() {
        return sg;
    }

    @Override
    public BdrvChild file() {
        return edges.file();
    }

    @Override
    public BdrvChild backing() {
        return edges.backing();
    }

    @Override
    public List<DriverChild> children() {
        return List.copyOf(edges.children());
    }

    @Override
    public List<BlockChild> parents() {
        return List.copyOf(edges.parents());
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public long coNbSectors() throws BlockException {
        return NodeLength.coNbSectors(this);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength() throws BlockException {
        return NodeLength.coGetLength(this);
    }

    @Override
    public long nbSectors() throws BlockException {
        return NodeLength.nbSectors(this);
    }

    @Override
    public long getLength() throws BlockException {
        return NodeLength.getLength(this);
    }

    // ---- what its driver sets ----

    @Override
    public void setTotalSectors(long sectors) {
        this.totalSectors = sectors;
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
    @GlobalStateCode
    public BdrvChild openChild(BlockOptions options, String childName, Set<ChildRole> roles, boolean allowNone)
            throws BlockException {
        return graph.childOpener().open(this, options, childName, roles, allowNone);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coRefreshTotalSectors(long hint) throws BlockException {
        NodeLength.coRefreshTotalSectors(this, hint);
    }

    @Override
    public void refreshTotalSectors(long hint) throws BlockException {
        NodeLength.refreshTotalSectors(this, hint);
    }

    @Override
    public <T> T call(CoBody<T> body) throws BlockException {
        if (mainLoopWrites()) {
            // The main loop is the graph's only writer, so holding the write lock it may read the graph as well
            // (GRAPH_RDLOCK_GUARD_MAINLOOP): a driver's close under the write lock writes back what it cached.
            return CoWrappers.mixed(graph.scheduler().mainLoop(), body::run);
        }
        return CoWrappers.mixedRdlock(wrapperContext(), graphLock(), body::run);
    }

    private boolean mainLoopWrites() {
        if (!graph.scheduler().inMainThread()) {
            return false;
        }
        try {
            graphLock.assertWritable();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    // ---- core's own ----

    /** The driver, or null once the medium is gone; core's own, never handed out. */
    public BlockDriver driver() {
        return medium.driver();
    }

    NodeMedium medium() {
        return medium;
    }

    void setFilename(String filename) {
        this.filename = filename;
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

    NodeEdges edges() {
        return edges;
    }

    Graph graph() {
        return graph;
    }

    GraphLock graphLock() {
        return graphLock;
    }

    /** The context a generated wrapper on this node runs its coroutine in (B25). */
    EventLoop wrapperContext() {
        return WrapperContext.of(this, graph.scheduler());
    }

    DrainState drainState() {
        return drainState;
    }

    NodeUsers users() {
        return users;
    }

    /** {@code bs->bl} and what io.c does with it. */
    RequestPadding padding() {
        return padding;
    }

    // ---- errors ----

    /**
     * The driver, or ENOMEDIUM naming the node (B1, B8) and, when one left it, that driver (X1): both from one read
     * of the medium, so a reattach between them cannot leave the error without the driver's name. A driver still
     * reopening the node (X2) is not there yet for a request: only the reopen itself passes its driver on.
     */
    BlockDriver driverOrNoMedium() throws BlockException {
        NodeMedium.State now = medium.state();
        if (now.driver() == null || now.reattaching()) {
            throw noMedium(now);
        }
        return now.driver();
    }

    /** ENOMEDIUM naming the node, and the driver that had left it when {@code seen} was read. */
    BlockException noMedium(NodeMedium.State seen) {
        String gone = seen.goneDriver();
        return new BlockException(Errno.ENOMEDIUM, nodeName, null,
                gone == null ? "No medium found" : "driver '" + gone + "' gone: No medium found");
    }

    /** An error of this node, through its driver. */
    BlockException error(Errno errno, String detail) {
        BlockDriver d = medium.driver();
        return new BlockException(errno, nodeName, d == null ? null : d.formatName(), detail);
    }

    /** {@code e} said of this node and its driver, unless it names a node already: the innermost that failed. */
    BlockException named(BlockException e) {
        BlockDriver d = medium.driver();
        return e.node() != null ? e : e.withNode(nodeName, d == null ? null : d.formatName());
    }

    @Override
    public String toString() {
        BlockDriver d = medium.driver();
        return "node '" + nodeName + "' (" + (d == null ? "no medium" : d.formatName()) + ")";
    }
}
