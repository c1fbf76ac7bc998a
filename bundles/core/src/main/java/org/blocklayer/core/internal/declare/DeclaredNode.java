package org.blocklayer.core.internal.declare;

import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.core.internal.graph.NotifyingGraph;
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
 * changed one reopens it, a deleted one closes it. A node that cannot open yet retries when what stood in its way
 * may have gone: a driver arrives, or another node opens or closes (a name it clashed with, a node it references).
 * A node closed by hand ({@code block:close}) stays closed, and says so, until its configuration changes. A deleted
 * configuration whose node is still some node's child stays listed, saying why, and closes the node once it is free.
 */
@Component(configurationPid = NodeDeclaration.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class DeclaredNode {
    /** What {@code block:declared} says of a node closed by hand. */
    static final String CLOSED_BY_HAND = "closed by block:close; it opens again when its configuration changes";

    /** The OSGi Logger while a Log Service runs; optional and dynamic, as the graph's. */
    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC)
    private volatile Logger logger;
    private final CoreLog log;

    private final NotifyingGraph graph;
    /** Where block:declared and the health check find this declaration. */
    private final DeclarationRegistry declarations;
    private final AutoCloseable arrivals;
    private final AutoCloseable nodeChanges;
    private final NodeAttempts attempts;
    /** What the configuration says now; null while it says something unusable. Guarded by this. */
    private NodeDeclaration declaration;
    /** The node this configuration opened, or null while it is not open. Guarded by this. */
    private BlockNode opened;
    /** Why the node is not open though nothing failed (it was closed by hand), else null. Guarded by this. */
    private String closedBecause;
    /** Set once the configuration is deleted while its node is still in use: why it is still there. Guarded by this. */
    private String lingering;
    /** Why the configuration last read could not be used, and where it came from; guarded by this. */
    private String invalid;
    private String invalidSource;

    /** DS wires the graph and the registry by core's own service interfaces, not the public ones. */
    @Activate
    public DeclaredNode(@Reference NotifyingGraph graph, @Reference DeclarationRegistry declarations,
            Map<String, Object> properties) {
        this(graph, declarations, properties, null, DeclaredNode::onOwnThread);
    }

    /** One not made by DS (see {@link FileInstallNodes}): it logs through {@code logger} when that gives one. */
    DeclaredNode(NotifyingGraph graph, DeclarationRegistry declarations, Map<String, Object> properties,
            Supplier<Logger> logger) {
        this(graph, declarations, properties, logger, DeclaredNode::onOwnThread);
    }

    /**
     * {@code rechecks} runs the look at the graph that a node change asks for: the graph tells of changes in its
     * main loop, where nothing may wait for this object's lock.
     */
    DeclaredNode(NotifyingGraph graph, DeclarationRegistry declarations, Map<String, Object> properties,
            Supplier<Logger> logger, Executor rechecks) {
        this.log = new CoreLog(logger != null ? logger : () -> this.logger, "org.blocklayer.core");
        this.graph = graph;
        this.declarations = declarations;
        this.attempts = new NodeAttempts(log);
        // Listen before the first attempt, so that a driver or node change in between is not missed.
        this.arrivals = graph.onDriverArrival(this::retry);
        this.nodeChanges = graph.onNodeChange(() -> rechecks.execute(this::recheck));
        synchronized (this) {
            declaration = read(properties);
            openNow();
        }
        declarations.add(this);
    }

    private static void onOwnThread(Runnable task) {
        Thread.ofVirtual().name("blocklayer-declared-node").start(task);
    }

    /** How this declaration stands, for {@link NodeDeclarations}; looks at the graph, so it is never stale. */
    synchronized DeclarationInfo info() {
        NodeDeclaration d = declaration;
        if (d == null) {
            return new DeclarationInfo(Escaped.of(invalidSource), null, false, Escaped.of(invalid));
        }
        noticeHandClose();
        String problem = lingering != null ? lingering
                : opened != null ? null : closedBecause != null ? closedBecause : attempts.lastFailure();
        return new DeclarationInfo(Escaped.of(d.source()), Escaped.of(d.nodeName()), opened != null,
                Escaped.of(problem));
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        NodeDeclaration next = read(properties);
        noticeHandClose();
        if (next == null && opened != null) {
            // A typo in a live node's file must not take the node away: it stays as it was until the file is fixed.
            return;
        }
        if (next != null && next.opensSameAs(declaration) && closedBecause == null) {
            declaration = next;
            return;
        }
        if (opened != null && !closeNow()) {
            // Still in use as someone's child: the node keeps its old options rather than vanish under its user.
            log.warn("{}: changed, but node {} stays open as it was", source(next), opened.nodeName());
            return;
        }
        declaration = next;
        closedBecause = null;
        attempts.reset();
        openNow();
    }

    /**
     * The configuration is gone: the node closes. One still in use as another node's child stays, listed with the
     * reason, and closes when a node change finds it free ({@link #recheck}).
     */
    @Deactivate
    synchronized void deactivate() {
        noticeHandClose();
        if (opened != null && !closeNow()) {
            lingering = "its configuration was deleted, but " + attempts.lastBusy()
                    + "; it closes as soon as no node uses it";
            log.warn("{}: deleted; node {} stays open while it is in use", source(declaration), opened.nodeName());
            stopListening(arrivals);
            return;
        }
        forget();
    }

    /** Whether the configuration's node is open now (false while it waits for a driver or cannot open). */
    synchronized boolean isOpen() {
        noticeHandClose();
        return opened != null;
    }

    /** A node change: a lingering node may be free now, a waiting one may open, an open one may have been closed. */
    synchronized void recheck() {
        if (lingering != null) {
            noticeHandClose();
            if (opened == null || closeNow()) {
                forget();
            } else {
                lingering = "its configuration was deleted, but " + attempts.lastBusy()
                        + "; it closes as soon as no node uses it";
            }
            return;
        }
        noticeHandClose();
        retry();
    }

    private synchronized void retry() {
        if (opened == null && declaration != null && closedBecause == null && lingering == null) {
            openNow();
        }
    }

    private void openNow() {
        if (declaration == null) {
            return;
        }
        NodeDeclaration d = declaration;
        try {
            opened = d.iothread() == null ? graph.open(d.filename(), d.blockOptions(), d.flags())
                    : graph.open(d.filename(), d.blockOptions(), d.flags(), d.iothread());
            attempts.succeeded();
            log.info("{}: node {} open", Escaped.of(d.source()), opened.nodeName());
        } catch (BlockException e) {
            attempts.failed(d, e, () -> stillWaiting(d));
        }
    }

    /** For the grace warning: this configuration still has no node. */
    private synchronized String stillWaiting(NodeDeclaration d) {
        return declaration == d && opened == null && closedBecause == null ? NodeAttempts.name(d) : null;
    }

    /** Finds out whether the node this configuration opened was closed by someone else (block:close). */
    private void noticeHandClose() {
        if (opened != null && !stillOurs()) {
            log.info("{}: node {} was closed by hand", source(declaration), opened.nodeName());
            opened = null;
            closedBecause = lingering == null ? CLOSED_BY_HAND : null;
        }
    }

    /** True while the graph's node of our node's name is the very node we opened (not a namesake opened since). */
    private boolean stillOurs() {
        try {
            return graph.node(opened.nodeName()) == opened;
        } catch (BlockException e) {
            return false;
        }
    }

    /** Closes the node this configuration opened; false, the refusal kept for {@link #lingering}, while in use. */
    private boolean closeNow() {
        try {
            graph.close(opened.nodeName());
            log.info("{}: node {} closed", source(declaration), opened.nodeName());
        } catch (BlockException e) {
            if (e.errno() != Errno.ENOENT) {
                attempts.busy(e);
                log.warn("{}: cannot close node {}: {}", source(declaration), opened.nodeName(), e.describe());
                return false;
            }
            // Closed by hand already (block:close): the configuration going away has nothing left to do.
        }
        opened = null;
        attempts.reset();
        return true;
    }

    /** Leaves block:declared and stops listening: nothing of this configuration is left. */
    private void forget() {
        declarations.remove(this);
        stopListening(arrivals);
        stopListening(nodeChanges);
        lingering = null;
        declaration = null; // and a pending grace check stays quiet
    }

    /** The graph's listener handles close without failing; anything else would be a bug worth a log line. */
    private void stopListening(AutoCloseable listener) {
        try {
            listener.close();
        } catch (Exception e) {
            log.warn("{}: cannot stop listening to the graph: {}", source(declaration), e.toString());
        }
    }

    private NodeDeclaration read(Map<String, Object> properties) {
        try {
            return NodeDeclaration.of(properties);
        } catch (BlockException e) {
            invalid = e.describe();
            invalidSource = NodeDeclaration.sourceOf(properties);
            log.warn("{}; ignored until the configuration is fixed", Escaped.of(e.describe()));
            return null;
        }
    }

    private static String source(NodeDeclaration d) {
        return d == null ? "a node configuration" : Escaped.of(d.source());
    }
}
