package org.blocklayer.core.internal.declare;

import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.log.CoreLog;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * One node declared as a Config Admin factory configuration ({@code org.blocklayer.node~NAME}): QEMU's
 * {@code -blockdev} made live. DS creates one of these per configuration: a new configuration opens the node, a
 * changed one reopens it, a deleted one closes it. A node whose driver is not deployed yet waits and opens when a
 * driver arrives.
 */
@Component(configurationPid = NodeDeclaration.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class DeclaredNode {
    /** The OSGi Logger while a Log Service runs; optional and dynamic, as the graph's. */
    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC)
    private volatile Logger logger;
    private final CoreLog log = new CoreLog(() -> logger, "org.blocklayer.core");

    private final BlockGraph graph;
    private final AutoCloseable arrivals;
    /** What the configuration says now; null while it says something unusable. Guarded by this. */
    private NodeDeclaration declaration;
    /** The name of the node this configuration opened, or null while it waits. Guarded by this. */
    private String opened;
    /** The last failure logged, so that each driver arrival does not repeat the same warning. Guarded by this. */
    private String lastFailure;

    @Activate
    public DeclaredNode(@Reference BlockGraph graph, Map<String, Object> properties) {
        this.graph = graph;
        // Listen before the first attempt, so that a driver arriving in between is not missed.
        this.arrivals = graph instanceof Graph g ? g.onDriverArrival(this::retry) : () -> { };
        synchronized (this) {
            declaration = read(properties);
            openNow();
        }
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        NodeDeclaration next = read(properties);
        if (next == null && opened != null) {
            // A typo in a live node's file must not take the node away: it stays as it was until the file is fixed.
            return;
        }
        if (next != null && next.opensSameAs(declaration)) {
            declaration = next;
            return;
        }
        if (opened != null && !closeNow()) {
            // Still in use as someone's child: the node keeps its old options rather than vanish under its user.
            log.warn("{}: changed, but node {} stays open as it was", source(next), opened);
            return;
        }
        declaration = next;
        openNow();
    }

    @Deactivate
    synchronized void deactivate() throws Exception {
        arrivals.close();
        if (opened != null) {
            closeNow();
        }
    }

    /** Whether the configuration's node is open now (false while it waits for a driver or cannot open). */
    synchronized boolean isOpen() {
        return opened != null;
    }

    private synchronized void retry() {
        if (opened == null && declaration != null) {
            openNow();
        }
    }

    private void openNow() {
        if (declaration == null) {
            return;
        }
        NodeDeclaration d = declaration;
        try {
            opened = (d.iothread() == null
                    ? graph.open(d.filename(), d.blockOptions(), d.flags())
                    : graph.open(d.filename(), d.blockOptions(), d.flags(), d.iothread())).nodeName();
            lastFailure = null;
            log.info("{}: node {} open", d.source(), opened);
        } catch (BlockException e) {
            String failure = e.describe();
            if (!failure.equals(lastFailure)) {
                lastFailure = failure;
                log.warn("{}: cannot open node {} yet: {}; trying again when a driver arrives or the configuration"
                        + " changes", d.source(), name(d), failure);
            }
        }
    }

    /** Closes the node this configuration opened; false (logged) when the graph refuses. */
    private boolean closeNow() {
        try {
            graph.close(opened);
            log.info("{}: node {} closed", source(declaration), opened);
        } catch (BlockException e) {
            if (e.errno() != Errno.ENOENT) {
                log.warn("{}: cannot close node {}: {}", source(declaration), opened, e.describe());
                return false;
            }
            // Closed by hand already (block:close): the configuration going away has nothing left to do.
        }
        opened = null;
        lastFailure = null;
        return true;
    }

    private NodeDeclaration read(Map<String, Object> properties) {
        try {
            return NodeDeclaration.of(properties);
        } catch (BlockException e) {
            log.warn("{}; ignored until the configuration is fixed", e.describe());
            return null;
        }
    }

    private static String source(NodeDeclaration d) {
        return d == null ? "a node configuration" : d.source();
    }

    private static String name(NodeDeclaration d) {
        return d.nodeName() == null ? "(generated name)" : d.nodeName();
    }
}
