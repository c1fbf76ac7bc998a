package org.blocklayer.core.internal.declare;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.core.internal.log.CoreLog;

/**
 * A declared node's attempts to open (and to close) its node, and how they are logged. At start-up File Install
 * hands over the .cfg files and the driver jars in one scan, and a node fails once per driver still starting: those
 * failures are logged at INFO, and only a node still not open after {@link #GRACE_MILLIS} gets a WARN with the last
 * reason. Its own lock only; it never calls its {@link DeclaredNode} while holding it.
 */
final class NodeAttempts {
    /** How long a node may wait before the wait is worth a warning. */
    static final long GRACE_MILLIS = Long.getLong("blocklayer.declared.grace.ms", 5_000);

    private final CoreLog log;
    /** The last failure to open, with its errno; null after a success or a new configuration. */
    private String lastFailure;
    /** Why the graph last refused to close the node (EBUSY: another node's child). */
    private String lastBusy;
    /** Counts attempts; a grace check of an older one stays quiet. */
    private long generation;

    NodeAttempts(CoreLog log) {
        this.log = log;
    }

    synchronized String lastFailure() {
        return lastFailure;
    }

    synchronized String lastBusy() {
        return lastBusy;
    }

    synchronized void succeeded() {
        lastFailure = null;
    }

    /** A new start: a new configuration, or the node closed. */
    synchronized void reset() {
        lastFailure = null;
        generation++;
    }

    synchronized void busy(BlockException refusal) {
        lastBusy = refusal.describe();
    }

    /**
     * An open of {@code d}'s node failed: logged at INFO when the reason is new; the first failure of a series
     * schedules the grace check, which warns if {@code stillWaiting} then still names a node without one.
     */
    void failed(NodeDeclaration d, BlockException e, Supplier<String> stillWaiting) {
        String failure = e.describe();
        synchronized (this) {
            if (!failure.equals(lastFailure)) {
                log.info("{}: cannot open node {} yet: {}", Escaped.of(d.source()), name(d), Escaped.of(failure));
            }
            if (lastFailure == null) {
                long mine = ++generation;
                CompletableFuture.delayedExecutor(GRACE_MILLIS, TimeUnit.MILLISECONDS)
                        .execute(() -> warnIfWaiting(mine, d, stillWaiting));
            }
            lastFailure = failure;
        }
    }

    private void warnIfWaiting(long attempt, NodeDeclaration d, Supplier<String> stillWaiting) {
        String name = stillWaiting.get(); // takes the declared node's lock: not while holding ours
        synchronized (this) {
            if (name != null && attempt == generation && lastFailure != null) {
                log.warn("{}: cannot open node {} yet: {}; trying again when a driver arrives, a node opens or"
                        + " closes, or the configuration changes", Escaped.of(d.source()), name,
                        Escaped.of(lastFailure));
            }
        }
    }

    static String name(NodeDeclaration d) {
        return d.nodeName() == null ? "(generated name)" : Escaped.of(d.nodeName());
    }
}
