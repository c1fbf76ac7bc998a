package org.blocklayer.core.internal.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.backend.BackendInfo;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.CoFn;
import org.blocklayer.core.internal.coroutine.CoQueue;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.core.internal.log.CoreLog;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The block graph service ({@code graph_bdrv_states} and the QMP-facing half of block.c). Public methods may be
 * called from any thread and run in the main loop; the package-private ones are global-state code already there.
 */
@Component(service = {BlockGraph.class, BlockBackends.class})
public final class Graph implements BlockGraph, BlockBackends {
    /**
     * The OSGi Logger while a Log Service runs. Dynamic and optional, as the Event Admin below: a log or event
     * service that comes, goes or is updated must never restart the graph, which would close every node.
     */
    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC)
    private volatile Logger logger;
    private final CoreLog log = new CoreLog(() -> logger, "org.blocklayer.core");

    /** The core's log, for the graph's helpers. */
    CoreLog log() {
        return log;
    }
    private final NodeEvents events = new NodeEvents();

    private final Scheduler scheduler;
    private final GraphRwLock graphLock;
    private final DriverRegistry drivers = new DriverRegistry();
    private final NodeNames names = new NodeNames();
    private final Backends backends = new Backends(this);
    /** Requests waiting for a driver that went away to come back (X2); restarted whenever that may have changed. */
    private final CoQueue mediumWaiters = new CoQueue();
    private final NodeOpener opener;
    /** X2's detach-timeout; 30 s as the issue asks, settable at run time. */
    private volatile long detachTimeoutNanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    private final Drain drain;
    private final ContextChange contextChange = new ContextChange(this);
    private final IoThreads ioThreads;
    /** Every node by name, in creation order; touched only in the main loop. */
    private final Map<String, BlockDriverState> nodes = new LinkedHashMap<>();
    /** Told after each driver arrives and has taken its nodes back: declared nodes waiting for it retry then. */
    private final List<Runnable> driverArrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Told after a node is announced or closed: declared nodes waiting on another node retry then. */
    private final List<Runnable> nodeChanges = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Activate
    public Graph(@Reference CoroutineScheduler scheduler, @Reference GraphLock graphLock) {
        this(scheduler, graphLock, null);
    }

    /** A graph that logs to {@code logger} (null: stderr for WARN and above) until DS binds another. */
    public Graph(CoroutineScheduler scheduler, GraphLock graphLock, Logger logger) {
        this.logger = logger;
        if (!(scheduler instanceof Scheduler s) || !(graphLock instanceof GraphRwLock l)) {
            throw new IllegalArgumentException("the block graph needs blocklayer core's own scheduler and lock");
        }
        this.scheduler = s;
        this.graphLock = l;
        this.opener = new NodeOpener(this);
        this.drain = new Drain(s, nodes.values());
        this.ioThreads = new IoThreads(s, nodes.values());
        l.setDrainHooks(drain::drainAllBeginNoPoll, drain::drainAllEnd);
    }

    /** Node events go out through this Event Admin; without one they are simply not posted. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindEventAdmin(EventAdmin eventAdmin) {
        events.use(eventAdmin);
    }

    void unbindEventAdmin(EventAdmin eventAdmin) {
        events.forget(eventAdmin);
    }

    // ---- the driver whiteboard ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindDriver(BlockDriver driver, ServiceReference<BlockDriver> ref) {
        addDriver(driver, ref.getBundle().getSymbolicName(), ref.getBundle().getVersion().toString());
    }

    void unbindDriver(BlockDriver driver) {
        if (frameworkStopping()) {
            // Shutting down: every node goes with the framework, so there is nothing to detach or report.
            drivers.remove(driver);
            return;
        }
        removeDriver(driver);
    }

    private static boolean frameworkStopping() {
        Bundle self = FrameworkUtil.getBundle(Graph.class);
        if (self == null || self.getBundleContext() == null) {
            return false;
        }
        Bundle system = self.getBundleContext().getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        return system != null && system.getState() == Bundle.STOPPING;
    }

    /**
     * Makes a driver available to {@code driver=} and protocol prefixes, and gives it back the nodes a driver of the
     * same name left (X2): a bundle update is a live driver upgrade.
     */
    public void addDriver(BlockDriver driver, String bundle, String version) {
        drivers.add(driver, bundle, version);
        log.debug("driver {} registered by {} {}", driver.formatName(), bundle, version);
        try {
            scheduler.inMainLoop(() -> {
                reattach(driver);
                return null;
            });
        } catch (BlockException e) {
            log.warn("reattaching nodes to driver {}: {}", driver.formatName(), e.describe());
        }
        driverArrivals.forEach(Runnable::run);
    }

    /**
     * Calls {@code listener} on the registering thread after every driver registration, once the graph knows the
     * driver (so an open retried from the listener finds it). Returns what removes the listener.
     */
    public AutoCloseable onDriverArrival(Runnable listener) {
        driverArrivals.add(listener);
        return () -> driverArrivals.remove(listener);
    }

    /**
     * Calls {@code listener} in the main loop after an open announced new nodes and after an announced node closed
     * (a failed open, which announces nothing, calls nothing). It runs inside the graph's work, so it must not block
     * nor call the graph: it hands its work to another thread. Returns what removes the listener.
     */
    public AutoCloseable onNodeChange(Runnable listener) {
        nodeChanges.add(listener);
        return () -> nodeChanges.remove(listener);
    }

    @GlobalStateCode
    private void nodesChanged() {
        for (Runnable listener : nodeChanges) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.warn("a node change listener failed: {}", e.toString());
            }
        }
    }

    /**
     * Forgets a driver; the nodes using it lose their medium (ENOMEDIUM) until a driver of that name comes back,
     * at once when one is registered already (DS binds a replacement before it unbinds the old one).
     */
    public void removeDriver(BlockDriver driver) {
        try {
            // One main-loop step, nodes first: once the driver is no longer listed, no node still uses it, and no
            // open (main loop too) can pick it up in between.
            scheduler.inMainLoop(() -> {
                detachDriver(driver);
                drivers.remove(driver);
                BlockDriver successor = drivers.find(driver.formatName());
                if (successor != null) {
                    reattach(successor);
                }
                return null;
            });
        } catch (BlockException e) {
            log.warn("detaching driver {}: {}", driver.formatName(), e.describe());
        }
    }

    /**
     * X1: nodes using {@code driver} flush what they acknowledged, then, under the write lock (which drains the
     * graph and waits for every request in flight), lose their driver; they remember its name for X2.
     */
    @GlobalStateCode
    private void detachDriver(BlockDriver driver) {
        List<BlockDriverState> users = nodes.values().stream().filter(bs -> bs.driver() == driver).toList();
        if (users.isEmpty()) {
            return;
        }
        for (BlockDriverState bs : users) {
            try {
                ContextLocks.holding(bs.aioContext(), () -> {
                    bs.flush();
                    return null;
                });
            } catch (BlockException | RuntimeException e) {
                log.warn("node {}: flush before detaching driver {} failed: {}",
                        bs.nodeName(), driver.formatName(), e.getMessage());
            }
        }
        String version = drivers.version(driver);
        try (GraphLock.Writer w = wrlock()) {
            for (BlockDriverState bs : users) {
                closeDriverQuietly(bs);
                bs.setGoneDriver(driver.formatName());
            }
        }
        for (BlockDriverState bs : users) {
            log.warn("node {}: no medium, driver {} gone", bs.nodeName(), driver.formatName());
            events.detached(bs, driver.formatName(), version, "driver " + driver.formatName() + " gone");
        }
    }

    /** X2: reopens every node a driver of this name left, with the options it was opened with. */
    @GlobalStateCode
    private void reattach(BlockDriver driver) {
        for (BlockDriverState bs : List.copyOf(nodes.values())) {
            if (bs.driver() == null && driver.formatName().equals(bs.goneDriver())) {
                try {
                    opener.reopenDriver(bs, driver);
                    bs.setGoneDriver(null);
                    // The new driver instance holds nothing yet: its users' permissions (image locks) again.
                    relaxPermissions(bs);
                    log.info("node {}: driver {} is back", bs.nodeName(), driver.formatName());
                    events.reattached(bs, driver.formatName(), drivers.version(driver));
                } catch (BlockException | RuntimeException e) {
                    log.warn("node {}: driver {} is back but cannot reopen it: {}",
                            bs.nodeName(), driver.formatName(), e.getMessage());
                }
            }
        }
        mediumWaiters.restartAll();
    }

    CoQueue mediumWaiters() {
        return mediumWaiters;
    }

    /** How long I/O waits for a driver that went away to come back before failing with ENOMEDIUM (X2). */
    long detachTimeoutNanos() {
        return detachTimeoutNanos;
    }

    @Override
    public java.time.Duration detachTimeout() {
        return java.time.Duration.ofNanos(detachTimeoutNanos);
    }

    @Override
    public void setDetachTimeout(java.time.Duration timeout) throws BlockException {
        if (timeout.isNegative()) {
            throw new BlockException(Errno.EINVAL, "detach-timeout cannot be negative: " + timeout);
        }
        detachTimeoutNanos = timeout.toNanos();
    }

    // ---- BlockGraph: any thread ----

    @Override
    public BlockNode open(String filename, BlockOptions options, int flags) throws BlockException {
        BlockOptions copy = options == null ? new BlockOptions() : options.copy();
        // Born in the main loop, as bdrv_new does; it may join the context of a node it references (B42).
        return scheduler.inMainLoop(() -> announcing(copy, () -> {
            BlockDriverState bs = opener.open(filename, copy, flags, null, scheduler.mainLoop());
            // bdrv_refresh_perms once the whole subtree is attached: a conflict with existing users undoes the open.
            Permissions.refresh(List.of(bs));
            return bs;
        }));
    }

    @Override
    public BlockNode open(String filename, BlockOptions options, int flags, String iothreadOrMain)
            throws BlockException {
        BlockOptions copy = options == null ? new BlockOptions() : options.copy();
        // Announced once in the context asked for: a failed move leaves nothing, so it announces nothing.
        return scheduler.inMainLoop(() -> announcing(copy, () -> {
            EventLoop ctx = ioThreads.context(iothreadOrMain);
            BlockDriverState bs = opener.open(filename, copy, flags, null, ctx);
            // bdrv_refresh_perms once the whole subtree is attached: a conflict with existing users undoes the open.
            Permissions.refresh(List.of(bs));
            if (bs.aioContext() != ctx) {
                // Its open joined the context of an existing node it references; the caller asked for ctx.
                try {
                    contextChange.change(bs, ctx);
                } catch (BlockException | RuntimeException e) {
                    unref(bs);
                    throw e;
                }
            }
            return bs;
        }));
    }

    /**
     * Runs an open, then announces (OPENED) every node it created, its new children included: each shows in
     * {@code block:nodes} and may later be reported DETACHED or CLOSED on its own, so each is announced on its own.
     * Existing nodes it merely references are not; a failed open created nothing and announces nothing. Children
     * come before their parents (a parent is created, then opens its children): a handler finds a parent's children
     * announced already. Whatever makes it fail, {@link OpenRollback} takes out every node it created (X4).
     */
    @GlobalStateCode
    private BlockDriverState announcing(BlockOptions requested, CoFn<BlockDriverState> open)
            throws BlockException {
        // Read before the open consumes them: what names the failure when it fails before creating a node.
        String name = requested.get("node-name");
        String driver = requested.get("driver");
        OpenRollback rollback = new OpenRollback(this, nodes.values());
        BlockDriverState opened;
        try {
            opened = open.call();
        } catch (Throwable t) {
            throw rollback.undo(t, List.copyOf(nodes.values()), name, driver);
        }
        List<BlockDriverState> created = rollback.created(nodes.values());
        for (BlockDriverState bs : created.reversed()) {
            BlockDriver d = bs.driver();
            events.opened(bs, d == null ? null : d.formatName(), drivers.version(d));
        }
        if (!created.isEmpty()) {
            nodesChanged();
        }
        return opened;
    }

    @Override
    public BlockNode node(String name) throws BlockException {
        return scheduler.inMainLoop(() -> find(name));
    }

    @Override
    public List<NodeInfo> nodes() {
        try {
            return scheduler.inMainLoop(() -> {
                List<NodeInfo> out = new ArrayList<>();
                for (BlockDriverState bs : nodes.values()) {
                    out.add(info(bs));
                }
                return out;
            });
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public NodeInfo info(String name) throws BlockException {
        return scheduler.inMainLoop(() -> info(find(name)));
    }

    @Override
    public long getLength(String name) throws BlockException {
        return scheduler.inMainLoop(() -> {
            BlockDriverState bs = find(name);
            // The seed's rule: a non-coroutine caller of a co_wrapper holds the node's AioContext lock.
            return ContextLocks.holding(bs.aioContext(), bs::getLength);
        });
    }

    @Override
    public long refresh(String name) throws BlockException {
        return scheduler.inMainLoop(() -> {
            BlockDriverState bs = find(name);
            return ContextLocks.holding(bs.aioContext(), () -> {
                refreshSubtree(bs);
                return bs.getLength();
            });
        });
    }

    /** Children first, so a format node sees what its protocol node just learned from the device. */
    @GlobalStateCode
    private static void refreshSubtree(BlockDriverState bs) throws BlockException {
        for (BdrvChild edge : bs.childEdges()) {
            refreshSubtree(edge.node());
        }
        bs.refreshTotalSectors(bs.totalSectors());
    }

    @Override
    public long driverLength(String name) throws BlockException {
        return scheduler.inMainLoop(() -> {
            BlockDriverState bs = find(name);
            return ContextLocks.holding(bs.aioContext(), () -> CoWrappers.wrapperRdlock(bs.aioContext(), graphLock,
                    () -> {
                        BlockDriver d = bs.driver();
                        if (d == null) {
                            throw bs.noMedium();
                        }
                        if (!d.hasGetLength()) {
                            throw bs.error(Errno.ENOTSUP, "the driver has no length of its own");
                        }
                        return d.coGetLength(bs);
                    }));
        });
    }

    @Override
    public long resize(String name, long size) throws BlockException {
        return scheduler.inMainLoop(() -> {
            BlockDriverState bs = find(name);
            if (size < 0) {
                throw new BlockException(Errno.EINVAL, "Parameter 'size' expects a >0 size");
            }
            // qmp_block_resize: a user that takes resize (refused if another user does not share it), then the node
            // quiesced so the resize does not race with I/O, then truncate.
            BlockBackendImpl resizer = backends.temporary(bs, Permissions.RESIZE, Permissions.ALL);
            try {
                drain.drainedBegin(bs);
                try {
                    return ContextLocks.holding(bs.aioContext(), () -> bs.truncate(size));
                } finally {
                    drain.drainedEnd(bs);
                }
            } finally {
                backends.release(resizer);
            }
        });
    }

    @Override
    public void close(String name) throws BlockException {
        scheduler.inMainLoop(() -> {
            BlockDriverState bs = find(name);
            List<String> users = new ArrayList<>();
            for (BdrvChild user : bs.parentEdges()) {
                users.add("node '" + user.parent().nodeName() + "' uses it as its '" + user.name() + "' child");
            }
            for (BlockBackendImpl user : bs.backends()) {
                users.add(user.userDescription() + " uses it");
            }
            if (!users.isEmpty()) {
                throw new BlockException(Errno.EBUSY, "Node '" + name + "' is busy: " + String.join("; ", users));
            }
            unref(bs);
            return null;
        });
    }

    @Override
    public void drain(String name) throws BlockException {
        scheduler.inMainLoop(() -> {
            BlockDriverState bs = find(name);
            return ContextLocks.holding(bs.aioContext(), () -> {
                drain.drainedBegin(bs);
                drain.drainedEnd(bs);
                return null;
            });
        });
    }

    @Override
    public void drainAll() throws BlockException {
        scheduler.inMainLoop(() -> {
            drain.drainAllBegin();
            drain.drainAllEnd();
            return null;
        });
    }

    @Override
    public List<DriverInfo> drivers() {
        try {
            return scheduler.inMainLoop(() -> drivers.infos().stream().map(d -> new DriverInfo(d.name(), d.kind(),
                    d.bundle(), d.version(), (int) nodes.values().stream()
                            .filter(bs -> bs.driver() != null && bs.driver().formatName().equals(d.name())).count()))
                    .toList());
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<String> iothreads() {
        try {
            return scheduler.inMainLoop(ioThreads::ids);
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void addIothread(String id) throws BlockException {
        scheduler.inMainLoop(() -> ioThreads.add(id));
    }

    @Override
    public void deleteIothread(String id) throws BlockException {
        scheduler.inMainLoop(() -> {
            ioThreads.delete(id);
            return null;
        });
    }

    @Override
    public void setAioContext(String node, String iothreadOrMain) throws BlockException {
        scheduler.inMainLoop(() -> {
            BlockDriverState bs = find(node);
            contextChange.change(bs, ioThreads.context(iothreadOrMain));
            return null;
        });
    }

    // ---- global-state code, main loop only ----

    Scheduler scheduler() {
        return scheduler;
    }

    GraphRwLock graphLock() {
        return graphLock;
    }

    Drain drainer() {
        return drain;
    }

    DriverRegistry driverRegistry() {
        return drivers;
    }

    ContextChange contextChange() {
        return contextChange;
    }

    /** The graph write lock, with the iothread locks this thread holds dropped while it waits for readers. */
    @GlobalStateCode
    GraphLock.Writer wrlock() {
        return ContextLocks.wrlock(scheduler, graphLock);
    }

    /** {@code bdrv_find_node}, or ENOENT naming the node. */
    @GlobalStateCode
    BlockDriverState find(String name) throws BlockException {
        BlockDriverState bs = name == null ? null : nodes.get(name);
        if (bs == null) {
            throw new BlockException(Errno.ENOENT, "Cannot find node '" + name + "'"
                    + (nodes.isEmpty() ? " (the graph is empty)" : ""));
        }
        return bs;
    }

    /** Reserves a name and puts the node in the graph ({@code bdrv_assign_node_name} + list insert). */
    @GlobalStateCode
    String assignName(String requested) throws BlockException {
        if (requested != null && backends.find(requested) != null) {
            // bdrv_assign_node_name: node names and device ids share one namespace (B20).
            throw new BlockException(Errno.EINVAL, "node-name=" + requested + " is conflicting with a device id");
        }
        return names.assign(requested, nodes::containsKey);
    }

    /** A node of that name exists; main loop only. */
    @GlobalStateCode
    boolean hasNode(String name) {
        return nodes.containsKey(name);
    }

    // ---- BlockBackends ----

    @Override
    public BlockBackend attach(String nodeName, String name, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        return backends.attach(nodeName, name, null, taken, shared);
    }

    @Override
    public BlockBackend attachAs(String user, String nodeName, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        return backends.attach(nodeName, "", user, taken, shared);
    }

    @Override
    public BlockBackend backend(String name) throws BlockException {
        return backends.backend(name);
    }

    @Override
    public List<BackendInfo> backends() {
        try {
            return backends.infos();
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<NodeUser> users(String nodeName) throws BlockException {
        return scheduler.inMainLoop(() -> Permissions.users(find(nodeName)).stream()
                .map(u -> new NodeUser(u.userDescription(), u.childName(), Permission.of(u.takenMask()),
                        Permission.of(u.sharedMask())))
                .toList());
    }

    /**
     * After a user let go of {@code bs} (a backend closed, a parent gone): what the node and those below it hold is
     * recomputed, which can only relax, so a failure here is a driver's fault and only logged.
     */
    @GlobalStateCode
    void relaxPermissions(BlockDriverState bs) {
        try {
            Permissions.refresh(List.of(bs));
        } catch (BlockException | RuntimeException e) {
            log.warn("node {}: releasing permissions failed: {}", bs.nodeName(), e.getMessage());
        }
    }

    @GlobalStateCode
    void insert(BlockDriverState bs) {
        nodes.put(bs.nodeName(), bs);
    }

    @GlobalStateCode
    void forget(BlockDriverState bs) {
        nodes.remove(bs.nodeName(), bs);
        // A request waiting for this node's driver has nothing left to wait for.
        mediumWaiters.restartAll();
    }

    /**
     * {@code bdrv_open_child}, for a driver's open. A new child is opened in the parent's context; an existing one
     * in another context makes the parent (new, so empty) join that context, or, when the parent is pinned, the
     * child's subgraph join the parent's (B42). When neither can move, EBUSY and the open fails.
     */
    @GlobalStateCode
    BlockChild openChild(BlockDriverState parent, BlockOptions options, String childName, Set<ChildRole> roles,
                         boolean allowNone) throws BlockException {
        scheduler.assertMainLoop("bdrv_open_child");
        String reference = options.takeString(childName);
        BlockOptions childOptions = options.extractSub(childName);
        if (parent.isReattaching()) {
            // A driver coming back reopens its node over the children it already has (X2).
            for (BdrvChild existing : parent.childEdges()) {
                if (existing.name().equals(childName)) {
                    return existing;
                }
            }
        }
        BlockDriverState child;
        if (reference != null) {
            if (!childOptions.isEmpty()) {
                throw new BlockException(Errno.EINVAL, "Cannot reference an existing block device ('"
                        + reference + "') and give options for '" + childName + "' at the same time");
            }
            child = find(reference);
            child.ref();
        } else if (childOptions.isEmpty()) {
            if (allowNone) {
                return null;
            }
            throw new BlockException(Errno.EINVAL, "A block device must be specified for \"" + childName + "\"");
        } else {
            child = opener.openChild(parent, childName, childOptions);
        }
        try {
            // All nodes joined by edges share one context (B42): the new parent joins an existing child's.
            contextChange.join(parent, child, childName);
        } catch (BlockException | RuntimeException e) {
            unref(child);
            throw e;
        }
        BdrvChild edge = new BdrvChild(childName, roles, parent, child);
        try (GraphLock.Writer w = wrlock()) {
            parent.attach(edge);
        }
        return edge;
    }

    /** {@code bdrv_unref}: at zero the node is closed, its children released, and it leaves the graph. */
    @GlobalStateCode
    void unref(BlockDriverState bs) {
        if (bs.unrefCount() > 0) {
            return;
        }
        String driver = bs.driver() != null ? bs.driver().formatName() : bs.goneDriver();
        String version = drivers.version(bs.driver());
        try (GraphLock.Writer w = wrlock()) {
            closeDriverQuietly(bs);
        }
        for (BdrvChild edge : List.copyOf(bs.childEdges())) {
            unrefChild(bs, edge);
        }
        forget(bs);
        if (events.closed(bs, driver, version)) {
            nodesChanged();
        }
    }

    /** {@code bdrv_unref_child}. */
    @GlobalStateCode
    void unrefChild(BlockDriverState parent, BdrvChild edge) {
        try (GraphLock.Writer w = wrlock()) {
            parent.detach(edge);
        }
        BlockDriverState child = edge.node();
        unref(child);
        if (child.refcnt() > 0) {
            relaxPermissions(child);
        }
    }

    /** {@code bdrv_close}'s driver half: the driver forgets the node; the node has no medium from then on. */
    @GlobalStateCode
    void closeDriverQuietly(BlockDriverState bs) {
        BlockDriver d = bs.driver();
        if (d == null) {
            return;
        }
        try {
            d.close(bs);
        } catch (RuntimeException e) {
            log.warn("driver {} failed to close node {}", d.formatName(), bs.nodeName(), e);
        }
        bs.setDriver(null);
        bs.setOpaque(null);
    }

    @GlobalStateCode
    private NodeInfo info(BlockDriverState bs) {
        long length = -1;
        String lengthError = null;
        try {
            length = ContextLocks.holding(bs.aioContext(), bs::getLength);
        } catch (BlockException e) {
            lengthError = e.describe();
        }
        BlockDriver d = bs.driver();
        BdrvChild file = bs.file();
        return new NodeInfo(bs.nodeName(), d == null ? null : d.formatName(), bs.filename(),
                file == null ? null : file.node().nodeName(), bs.totalSectors(), length, lengthError, bs.isSg(),
                d != null && d.hasVariableLength(), bs.isReadOnly(), bs.aioContext().name(), bs.goneDriver(),
                d == null ? null : drivers.version(d));
    }
}
