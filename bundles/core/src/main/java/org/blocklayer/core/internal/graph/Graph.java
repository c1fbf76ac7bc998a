package org.blocklayer.core.internal.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.CreateOption;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.CoQueue;
import org.blocklayer.core.internal.coroutine.EventLoops;
import org.blocklayer.core.internal.lock.DrainingGraphLock;
import org.blocklayer.core.internal.log.CoreLog;
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
 * The block graph service, the one component that wires core's rooms: the main-loop facade of block.c's QMP-facing
 * half (every public method may be called from any thread and runs in the main loop, as a QMP command does) over
 * {@link NodeTable}, {@link NodeOpener} and {@link ChildOpener}, {@link NodeRelease}, {@link DriverWhiteboard},
 * {@link Drain}, {@link ContextChange}, {@link IoThreads} and {@link Backends}. The package-private accessors hand
 * those rooms to each other; they are global-state code.
 */
@Component(service = {BlockGraph.class, NotifyingGraph.class, BlockBackends.class})
public final class Graph extends MainLoopFacade implements NotifyingGraph {
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

    private final EventLoops scheduler;
    private final GraphLock graphLock;
    private final DriverRegistry drivers = new DriverRegistry();
    private final NodeNames names = new NodeNames();
    private final Backends backends = new Backends(this);
    /** Requests waiting for a driver that went away to come back (X2); restarted whenever that may have changed. */
    private final CoQueue mediumWaiters = new CoQueue();
    private final NodeOpener opener;
    /** X2's detach-timeout; 30 s as the issue asks, settable at run time. */
    private volatile long detachTimeoutNanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    /** What X2's wait reads the time on: the system's, or a test's. */
    private volatile WaitClock waitClock = WaitClock.SYSTEM;
    private final Drain drain;
    private final ContextChange contextChange = new ContextChange(this);
    private final IoThreads ioThreads;
    /** Every node by name, in creation order; touched only in the main loop. */
    private final Map<String, BlockDriverState> nodes = new LinkedHashMap<>();
    /** Told after each driver arrives and has taken its nodes back: declared nodes waiting for it retry then. */
    private final List<Runnable> driverArrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Told after a node is announced or closed: declared nodes waiting on another node retry then. */
    private final List<Runnable> nodeChanges = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** DS wires the event loops and the graph lock by core's own service interfaces, not the public ones. */
    @Activate
    public Graph(@Reference EventLoops scheduler, @Reference DrainingGraphLock graphLock) {
        this(scheduler, graphLock, null);
    }

    /** A graph that logs to {@code logger} (null: stderr for WARN and above) until DS binds another. */
    public Graph(EventLoops scheduler, DrainingGraphLock graphLock, Logger logger) {
        this.logger = logger;
        this.scheduler = scheduler;
        this.graphLock = graphLock;
        this.opener = new NodeOpener(this);
        this.drain = new Drain(scheduler, nodes.values());
        this.ioThreads = new IoThreads(scheduler, nodes.values());
        graphLock.setDrainHooks(drain::drainAllBeginNoPoll, drain::drainAllEnd);
    }

    /** Node events go out through this Event Admin; without one they are simply not posted. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindEventAdmin(EventAdmin eventAdmin) {
        events.use(eventAdmin);
    }

    void unbindEventAdmin(EventAdmin eventAdmin) {
        events.forget(eventAdmin);
    }

    // The rooms made from the fields above; declared here, after the constructors, which they do not need.
    private final NodeTable table = new NodeTable(this, nodes, names, nodeChanges);
    private final NodeRelease release = new NodeRelease(this);
    private final ChildOpener childOpener = new ChildOpener(this);
    private final DriverWhiteboard whiteboard = new DriverWhiteboard(this, drivers, nodes.values(), driverArrivals);

    // ---- the driver whiteboard ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindDriver(BlockDriver driver, ServiceReference<BlockDriver> ref) {
        addDriver(driver, ref.getBundle().getSymbolicName(), ref.getBundle().getVersion().toString());
    }

    void unbindDriver(BlockDriver driver) {
        whiteboard.remove(driver);
    }

    /** A driver arrives (X2: it takes back the nodes a driver of its name left); for tests and embedders too. */
    public void addDriver(BlockDriver driver, String bundle, String version) {
        whiteboard.add(driver, bundle, version);
    }

    /** A driver leaves (X1: its nodes lose their medium until a successor comes). */
    public void removeDriver(BlockDriver driver) {
        whiteboard.remove(driver);
    }

    @Override
    public AutoCloseable onDriverArrival(Runnable listener) {
        return whiteboard.onArrival(listener);
    }

    @Override
    public AutoCloseable onNodeChange(Runnable listener) {
        return table.onChange(listener);
    }

    // ---- image creation (bdrv_img_create), through the drivers the whiteboard knows ----

    @Override
    public BlockOptions create(String format, String filename, long size, BlockOptions options)
            throws BlockException {
        BlockOptions copy = options == null ? new BlockOptions() : options.copy();
        return scheduler.inMainLoop(() -> new ImageCreate(drivers, scheduler.mainLoop())
                .create(format, filename, size, copy));
    }

    @Override
    public List<CreateOption> createOptions(String format, String filename) throws BlockException {
        return scheduler.inMainLoop(() -> new ImageCreate(drivers, scheduler.mainLoop())
                .createOptions(format, filename));
    }

    // ---- the rooms, for the facade and each other; main loop unless said otherwise ----

    @Override
    EventLoops scheduler() {
        return scheduler;
    }

    @Override
    GraphLock graphLock() {
        return graphLock;
    }

    /** The graph write lock, with the iothread locks this thread holds dropped while it waits for readers. */
    @GlobalStateCode
    GraphLock.Writer wrlock() {
        return ContextLocks.wrlock(scheduler, graphLock);
    }

    @Override
    NodeTable table() {
        return table;
    }

    @Override
    NodeOpener opener() {
        return opener;
    }

    ChildOpener childOpener() {
        return childOpener;
    }

    @Override
    NodeRelease release() {
        return release;
    }

    @Override
    Drain drainer() {
        return drain;
    }

    @Override
    ContextChange contextChange() {
        return contextChange;
    }

    DriverRegistry driverRegistry() {
        return drivers;
    }

    @Override
    Backends backendList() {
        return backends;
    }

    NodeEvents events() {
        return events;
    }

    /** Any thread: requests waiting for a driver that went away to come back (X2). */
    CoQueue mediumWaiters() {
        return mediumWaiters;
    }

    @Override
    long detachTimeoutNanos() {
        return detachTimeoutNanos;
    }

    @Override
    void setDetachTimeoutNanos(long nanos) {
        detachTimeoutNanos = nanos;
    }

    /** Any thread: the clock of X2's wait. */
    WaitClock waitClock() {
        return waitClock;
    }

    /** For tests: a clock they move by hand, so X2's deadline is reached without waiting for it. */
    void setWaitClock(WaitClock clock) {
        waitClock = clock;
    }

    @Override
    IoThreads ioThreads() {
        return ioThreads;
    }

    @Override
    DriverWhiteboard whiteboard() {
        return whiteboard;
    }
}
