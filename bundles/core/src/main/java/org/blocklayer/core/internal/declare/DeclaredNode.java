package org.blocklayer.core.internal.declare;

import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.core.internal.graph.Graph;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * One node declared as a Config Admin factory configuration ({@code org.blocklayer.node~NAME}): QEMU's
 * {@code -blockdev} made live. DS creates one of these per configuration: a new configuration opens the node, a
 * changed one reopens it, a deleted one closes it. A node whose driver is not deployed yet waits and opens when a
 * driver arrives.
 */
@Component(configurationPid = NodeDeclaration.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class DeclaredNode {
    private static final System.Logger LOG = System.getLogger(DeclaredNode.class.getName());

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
            LOG.log(System.Logger.Level.WARNING, "{0}: changed, but node {1} stays open as it was",
                    source(next), opened);
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
            LOG.log(System.Logger.Level.INFO, "{0}: node {1} open", d.source(), opened);
        } catch (BlockException e) {
            String failure = e.describe();
            if (!failure.equals(lastFailure)) {
                lastFailure = failure;
                LOG.log(System.Logger.Level.WARNING, "{0}: cannot open node {1} yet: {2}; trying again when a"
                        + " driver arrives or the configuration changes", d.source(), name(d), failure);
            }
        }
    }

    /** Closes the node this configuration opened; false (logged) when the graph refuses. */
    private boolean closeNow() {
        try {
            graph.close(opened);
            LOG.log(System.Logger.Level.INFO, "{0}: node {1} closed", source(declaration), opened);
        } catch (BlockException e) {
            if (e.errno() != Errno.ENOENT) {
                LOG.log(System.Logger.Level.WARNING, "{0}: cannot close node {1}: {2}", source(declaration),
                        opened, e.describe());
                return false;
            }
            // Closed by hand already (block:close): the configuration going away has nothing left to do.
        }
        opened = null;
        lastFailure = null;
        return true;
    }

    private static NodeDeclaration read(Map<String, Object> properties) {
        try {
            return NodeDeclaration.of(properties);
        } catch (BlockException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}; ignored until the configuration is fixed",
                    e.describe());
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
