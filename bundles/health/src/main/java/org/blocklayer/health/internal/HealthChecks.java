package org.blocklayer.health.internal;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.apache.felix.hc.api.HealthCheck;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.NodeInfo;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * Keeps one Felix {@link HealthCheck} service per node and one per driver name registered, in step with the graph:
 * every node event from core and every driver service coming or going asks for a reconciliation against
 * {@link BlockGraph#nodes()}. Reconciliations run one at a time on a thread of their own, coalesced, so neither
 * Event Admin's delivery thread nor a bundle stopping a driver waits for the graph.
 */
@Component(service = EventHandler.class, immediate = true,
        property = EventConstants.EVENT_TOPIC + "=org/blocklayer/node/*")
public final class HealthChecks implements EventHandler {
    static final String NODE_CHECK = "blocklayer node ";
    static final String DRIVER_CHECK = "blocklayer driver ";
    static final String[] TAGS = {"default", "block"};

    private final BundleContext context;
    private final BlockGraph graph;
    /** Driver services by reference, to their {@code block.driver} name: present drivers, without using them. */
    private final Map<ServiceReference<?>, String> driverServices = new ConcurrentHashMap<>();
    private final CheckSet nodeChecks;
    private final CheckSet driverChecks;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "blocklayer-health");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();

    @Activate
    public HealthChecks(BundleContext context, @Reference BlockGraph graph) {
        this.context = context;
        this.graph = graph;
        this.nodeChecks = new CheckSet(n -> NODE_CHECK + n, (name, node) -> register(name, new NodeCheck(graph,
                node)));
        this.driverChecks = new CheckSet(d -> DRIVER_CHECK + d, (name, driver) -> register(name,
                new DriverCheck(graph, driver)));
        request();
    }

    @Reference(service = BlockDriver.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void bindDriver(ServiceReference<BlockDriver> ref) {
        Object name = ref.getProperty(BlockDriver.FORMAT_PROPERTY);
        if (name != null) {
            driverServices.put(ref, name.toString());
        }
        request();
    }

    void unbindDriver(ServiceReference<BlockDriver> ref) {
        driverServices.remove(ref);
        request();
    }

    @Override
    public void handleEvent(Event event) {
        request();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        try {
            worker.execute(() -> {
                nodeChecks.clear();
                driverChecks.clear();
            });
        } finally {
            worker.shutdown();
        }
        worker.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Asks for a reconciliation; one already queued and not started covers this request too. */
    private void request() {
        if (pending.compareAndSet(false, true)) {
            try {
                worker.execute(this::reconcile);
            } catch (RejectedExecutionException e) {
                // Deactivating: the checks are being unregistered anyway.
            }
        }
    }

    private void reconcile() {
        pending.set(false);
        List<NodeInfo> nodes;
        try {
            nodes = graph.nodes();
        } catch (RuntimeException e) {
            return; // the graph is going away; deactivation follows
        }
        nodeChecks.reconcile(nodes.stream().map(NodeInfo::node).collect(Collectors.toCollection(TreeSet::new)));
        Set<String> drivers = new TreeSet<>(driverServices.values());
        nodes.stream().map(NodeInfo::goneDriver).filter(d -> d != null).forEach(drivers::add);
        driverChecks.reconcile(drivers);
    }

    private Runnable register(String hcName, HealthCheck check) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(HealthCheck.NAME, hcName);
        properties.put(HealthCheck.TAGS, TAGS.clone());
        // Each execution asks the graph afresh: cheap, and an operator must never see a state 2 s old (the
        // executor's default cache) right after a driver came back.
        properties.put(HealthCheck.RESULT_CACHE_TTL_IN_MS, 0L);
        ServiceRegistration<HealthCheck> registration = context.registerService(HealthCheck.class, check,
                properties);
        return () -> {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // Unregistered already, with the bundle.
            }
        };
    }
}
