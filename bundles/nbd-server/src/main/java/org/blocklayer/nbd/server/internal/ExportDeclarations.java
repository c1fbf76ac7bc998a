package org.blocklayer.nbd.server.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.export.BlockExports;

/**
 * Declared exports, live as declared nodes are: each configuration becomes an export as soon as it can (its node is
 * open and the server runs), waits saying why while it cannot, and is redone when changed and deleted when its
 * configuration is. What may unblock a waiting one (a node opened, the server started, an export deleted) retries
 * them all. Callers are Config Admin's and Event Admin's threads; one at a time.
 */
final class ExportDeclarations {
    private static final System.Logger LOG = System.getLogger(ExportDeclarations.class.getName());

    private final BlockExports exports;
    /** By PID: the declarations, whether each was exported, and why one is not. */
    private final Map<String, ExportDeclaration> declared = new LinkedHashMap<>();
    private final Map<String, Boolean> exported = new LinkedHashMap<>();
    private final Map<String, String> waiting = new LinkedHashMap<>();

    ExportDeclarations(BlockExports exports) {
        this.exports = exports;
    }

    /** A configuration was created or changed: its export is (re)made. */
    synchronized void updated(String pid, Map<String, ?> properties) {
        ExportDeclaration d;
        try {
            d = ExportDeclaration.of(pid, properties);
        } catch (BlockException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
            deleted(pid);
            waiting.put(pid, e.getMessage());
            return;
        }
        if (d.equals(declared.get(pid)) && exported.getOrDefault(pid, false)) {
            return;
        }
        deleted(pid);
        declared.put(pid, d);
        retry();
    }

    /** A configuration was deleted: its export goes, its clients answered first. */
    synchronized void deleted(String pid) {
        ExportDeclaration d = declared.remove(pid);
        waiting.remove(pid);
        if (d != null && Boolean.TRUE.equals(exported.remove(pid))) {
            try {
                exports.delete(d.name(), false);
            } catch (BlockException e) {
                // Deleted by hand already (block:export del): nothing left to do.
            }
            retry();
        }
    }

    /**
     * The server (re)started: every declaration is tried, also those whose export went with a server stopped by
     * hand. One already exported on this server stays so: a node event's retry may have exported it between the
     * server's start and this call, and forgetting it would leave its export behind when its configuration goes.
     */
    synchronized void serverStarted() {
        exported.entrySet().removeIf(e -> {
            ExportDeclaration d = declared.get(e.getKey());
            return d == null || !exists(d.name());
        });
        retry();
    }

    /**
     * Something changed that may let a waiting declaration through. An export that was made and is gone now was
     * deleted by hand ({@code block:export del}): it stays deleted until its configuration changes or the server
     * starts again, as a declared node closed by hand stays closed.
     */
    synchronized void retry() {
        for (ExportDeclaration d : declared.values()) {
            if (exported.containsKey(d.pid()) && exported.get(d.pid())) {
                if (!exists(d.name())) {
                    waiting.put(d.pid(), "deleted by hand; it is exported again when its configuration changes");
                }
                continue;
            }
            try {
                exports.add(d.options());
                exported.put(d.pid(), true);
                waiting.remove(d.pid());
                LOG.log(System.Logger.Level.INFO, d.pid() + ": exported node " + d.options().node() + " as '"
                        + d.name() + "'");
            } catch (BlockException e) {
                String why = e.getMessage() + " (" + e.errno() + ")";
                if (!why.equals(waiting.put(d.pid(), why))) {
                    LOG.log(wouldWait(e) ? System.Logger.Level.INFO : System.Logger.Level.WARNING, d.pid()
                            + ": cannot export node " + d.options().node() + " yet: " + why);
                }
            }
        }
    }

    private boolean exists(String name) {
        return exports.exports().stream().anyMatch(e -> e.name().equals(name));
    }

    /** No node or no server yet: the usual wait, not a mistake in the configuration. */
    private static boolean wouldWait(BlockException e) {
        return Errno.ENOENT.equals(e.errno()) || e.getMessage().equals("NBD server not running");
    }

    /** Why each waiting declaration waits, by PID. */
    synchronized Map<String, String> waiting() {
        return Map.copyOf(waiting);
    }

    /** Configuration gone or component stopping: every declared export goes. */
    synchronized void clear() {
        for (String pid : java.util.List.copyOf(declared.keySet())) {
            deleted(pid);
        }
    }
}
