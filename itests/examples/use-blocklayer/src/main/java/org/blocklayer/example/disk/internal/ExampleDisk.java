package org.blocklayer.example.disk.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Example: blocklayer used from your own bundle. Copy this class and {@link DiskConfiguration}: the component gets
 * the {@link BlockGraph} and {@link BlockBackends} services, opens the image its configuration names (raw over file),
 * writes a greeting through a {@link BlockBackend} and reads it back.
 *
 * <p>It follows the node events core posts on Event Admin ({@code org/blocklayer/node/OPENED}, {@code CLOSED},
 * {@code DETACHED}, {@code REATTACHED}, with the node's name in property {@code node}). It offers its backend to the
 * rest of the application as a service only while the disk has its medium: when the file driver goes away
 * (DETACHED) it withdraws the service, and offers it again once the driver is back (REATTACHED). The service carries
 * the events seen so far, so a shell ({@code services}) or a test can watch them.
 */
@Component(service = EventHandler.class, configurationPid = ExampleDisk.PID,
        // Immediate: it has work to do (open, write) without anyone asking for its service.
        immediate = true,
        // No configuration, no image to open: the component waits for one.
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = EventConstants.EVENT_TOPIC + "=org/blocklayer/node/*")
@Designate(ocd = DiskConfiguration.class)
public final class ExampleDisk implements EventHandler {

    static final String PID = "org.blocklayer.example.disk";
    /** Service property of the offered backend: the name of its node. */
    static final String DISK_PROPERTY = "example.disk";
    /** Service property of the offered backend: the node events seen so far, as "DETACHED #block1". */
    static final String SEEN_PROPERTY = "example.disk.seen";

    private final BlockGraph graph;
    private final BlockBackend backend;
    private final BundleContext bundleContext;
    /** Our node and its file child: events name either (the file driver's DETACHED names the child). */
    private final Set<String> ourNodes;

    // Guarded by this: Event Admin and deactivation call from different threads.
    private final List<String> seen = new ArrayList<>();
    private ServiceRegistration<BlockBackend> offered;
    private boolean deactivated;

    @Activate
    public ExampleDisk(@Reference BlockGraph graph, @Reference BlockBackends backends, DiskConfiguration config,
            BundleContext bundleContext) throws BlockException {
        if (config.image() == null || config.image().isBlank()) {
            throw new IllegalArgumentException("Configuration " + PID + " needs 'image', the path of a disk image");
        }
        this.graph = graph;
        this.bundleContext = bundleContext;
        // A plain path opens raw over file, as in qemu-img; options as in QEMU's -blockdev.
        BlockNode node = graph.open(config.image(), new BlockOptions().put("node-name", config.node_name()),
                OpenFlags.RDWR);
        BlockBackend attached = null;
        try {
            // Take what we use; let others read, but not write under us.
            attached = backends.attach(node.nodeName(), "", EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                    EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE_UNCHANGED));
            greet(attached, config.greeting().getBytes(StandardCharsets.UTF_8));
        } catch (BlockException | RuntimeException e) {
            // A failed constructor gets no deactivate: undo here what we opened.
            if (attached != null) {
                attached.close();
            }
            graph.close(node.nodeName());
            throw e;
        }
        this.backend = attached;
        this.ourNodes = Set.of(node.nodeName(), node.file().node().nodeName());
        synchronized (this) {
            publish(true);
        }
    }

    /**
     * Writes {@code greeting} at offset 0, flushes, and reads it back. Each call blocks the calling thread until the
     * request is done (it runs as a coroutine in the node's AioContext): call from your own threads, as here SCR's.
     */
    private static void greet(BlockBackend backend, byte[] greeting) throws BlockException {
        backend.pwrite(0, ByteBuffer.wrap(greeting));
        backend.flush();
        ByteBuffer back = ByteBuffer.allocate(greeting.length);
        backend.pread(0, back);
        if (!Arrays.equals(back.array(), greeting)) {
            throw new IllegalStateException("Read back something else than was written on " + backend.nodeName());
        }
    }

    @Override
    public void handleEvent(Event event) {
        String node = (String) event.getProperty("node");
        if (!ourNodes.contains(node)) {
            return;
        }
        String topic = event.getTopic().substring(event.getTopic().lastIndexOf('/') + 1);
        synchronized (this) {
            if (deactivated) {
                return; // posted events may still arrive after deactivation
            }
            seen.add(topic + " " + node);
            switch (topic) {
                // No medium: I/O would wait for the driver (up to the graph's detach timeout), then fail ENOMEDIUM.
                case "DETACHED", "CLOSED" -> publish(false);
                case "REATTACHED" -> publish(true);
                default -> publish(offered != null); // just the new list of events
            }
        }
    }

    /** Offers the backend as a service (or updates its properties), or withdraws it. Caller holds this. */
    private void publish(boolean available) {
        if (!available) {
            if (offered != null) {
                offered.unregister();
                offered = null;
            }
            return;
        }
        var properties = FrameworkUtil.asDictionary(Map.of(DISK_PROPERTY, backend.nodeName(),
                SEEN_PROPERTY, seen.toArray(String[]::new)));
        if (offered == null) {
            offered = bundleContext.registerService(BlockBackend.class, backend, properties);
        } else {
            offered.setProperties(properties);
        }
    }

    /** Gives up the backend and closes the node (unless someone else did); SCR logs what this throws. */
    @Deactivate
    void deactivate() throws BlockException {
        boolean closedElsewhere;
        synchronized (this) {
            deactivated = true;
            publish(false);
            closedElsewhere = seen.contains("CLOSED " + backend.nodeName());
        }
        backend.close();
        if (!closedElsewhere) {
            graph.close(backend.nodeName());
        }
    }
}
