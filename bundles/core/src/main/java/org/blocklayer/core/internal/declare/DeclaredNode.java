package org.blocklayer.core.internal.declare;

import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.NodeDeclarations;
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
    private final CoreLog log;

    private final BlockGraph graph;
    /** Where block:declared and the health check find this declaration; null outside core's own registry. */
    private final Declarations declarations;
    private final AutoCloseable arrivals;
    /** What the configuration says now; null while it says something unusable. Guarded by this. */
    private NodeDeclaration declaration;
    /** The name of the node this configuration opened, or null while it waits. Guarded by this. */
    private String opened;
    /**
     * How long a node may wait before the wait is worth a warning. At start-up File Install hands over the .cfg
     * files and the driver jars in one scan, and a node fails once per driver still starting: those failures are
     * logged at INFO, and only a node still not open after this long gets a WARN with the last reason.
     */
    static final long GRACE_MILLIS = Long.getLong("blocklayer.declared.grace.ms", 5_000);
    /** The last failure, logged once at INFO and repeated at WARN after the grace. Guarded by this. */
    private String lastFailure;
    /** Why the configuration last read could not be used, and where it came from; guarded by this. */
    private String invalid;
    private String invalidSource;
    /** Counts attempts to reach a configuration's node; a grace check of an older one stays quiet. Guarded by this. */
    private long generation;

    @Activate
    public DeclaredNode(@Reference BlockGraph graph, @Reference NodeDeclarations declarations,
            Map<String, Object> properties) {
        this(graph, declarations, properties, null);
    }

    /** One not made by DS (see {@link FileInstallNodes}): it logs through {@code logger} when that gives one. */
    DeclaredNode(BlockGraph graph, NodeDeclarations declarations, Map<String, Object> properties,
            Supplier<Logger> logger) {
        this.log = new CoreLog(logger != null ? logger : () -> this.logger, "org.blocklayer.core");
        this.graph = graph;
        this.declarations = declarations instanceof Declarations d ? d : null;
        // Listen before the first attempt, so that a driver arriving in between is not missed.
        this.arrivals = graph instanceof Graph g ? g.onDriverArrival(this::retry) : () -> { };
        synchronized (this) {
            declaration = read(properties);
            openNow();
        }
        if (this.declarations != null) {
            this.declarations.add(this);
        }
    }

    /** How this declaration stands, for {@link NodeDeclarations}. */
    synchronized DeclarationInfo info() {
        NodeDeclaration d = declaration;
        if (d == null) {
            return new DeclarationInfo(invalidSource, null, false, invalid);
        }
        return new DeclarationInfo(d.source(), d.nodeName(), opened != null, opened != null ? null : lastFailure);
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
        lastFailure = null;
        generation++;
        openNow();
    }

    @Deactivate
    synchronized void deactivate() throws Exception {
        if (declarations != null) {
            declarations.remove(this);
        }
        arrivals.close();
        if (opened != null) {
            closeNow();
        }
        declaration = null; // and a pending grace check stays quiet
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
                log.info("{}: cannot open node {} yet: {}", d.source(), name(d), failure);
            }
            if (lastFailure == null) {
                long mine = ++generation;
                CompletableFuture.delayedExecutor(GRACE_MILLIS, TimeUnit.MILLISECONDS).execute(() -> warnIfWaiting(mine));
            }
            lastFailure = failure;
        }
    }

    private synchronized void warnIfWaiting(long attempt) {
        if (attempt == generation && opened == null && lastFailure != null && declaration != null) {
            log.warn("{}: cannot open node {} yet: {}; trying again when a driver arrives or the configuration"
                    + " changes", declaration.source(), name(declaration), lastFailure);
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
        generation++;
        return true;
    }

    private NodeDeclaration read(Map<String, Object> properties) {
        try {
            return NodeDeclaration.of(properties);
        } catch (BlockException e) {
            invalid = e.describe();
            invalidSource = NodeDeclaration.sourceOf(properties);
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
