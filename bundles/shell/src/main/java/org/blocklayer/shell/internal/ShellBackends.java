package org.blocklayer.shell.internal;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.Permission;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The BlockBackends through which the shell reaches nodes, as {@code -blockdev} plus {@code -drive} would: a node
 * opened with {@code block:open} gets one for as long as it is open, taking what a guest device takes (consistent
 * read, and write unless the node is read-only) and sharing what it shares (everything but write on a writable
 * node, so another process cannot write under it). A node the shell did not open (a declared one) gets one for the
 * length of a command only, so the shell never keeps another owner's node busy.
 */
@Component(service = ShellBackends.class)
public final class ShellBackends {
    private static final Set<Permission> DEVICE_SHARED = EnumSet.of(Permission.CONSISTENT_READ,
            Permission.WRITE_UNCHANGED, Permission.RESIZE);

    private final BlockBackends backends;
    private final Map<String, BlockBackend> opened = new ConcurrentHashMap<>();

    @Activate
    public ShellBackends(@Reference BlockBackends backends) {
        this.backends = backends;
    }

    /** {@code -drive} for a node {@code block:open} just opened. */
    void attach(String node, boolean readOnly) throws BlockException {
        opened.put(node, backends.attach(node, "", taken(readOnly), readOnly ? Permission.ALL : DEVICE_SHARED));
    }

    /** Before {@code block:close}: the shell lets go of the node, so only other users can keep it busy. */
    void detach(String node) {
        BlockBackend blk = opened.remove(node);
        if (blk != null) {
            blk.close();
        }
    }

    /**
     * Lets a writable export write beside the shell's own handle on {@code node} ({@code share}), or takes that back.
     * Returns whether the shell holds a handle there; a node the shell did not open is left alone.
     */
    boolean shareWrite(String node, boolean share) throws BlockException {
        BlockBackend own = opened.get(node);
        if (own == null) {
            return false;
        }
        Set<Permission> shared = EnumSet.copyOf(own.sharedPermissions());
        if (share) {
            shared.add(Permission.WRITE);
        } else if (own.permissions().contains(Permission.WRITE)) {
            // Only a writable node's handle keeps write to itself; a read-only node's shares everything.
            shared.remove(Permission.WRITE);
        }
        own.setPermissions(own.permissions(), shared);
        return true;
    }

    /** Runs {@code use} on the node's backend: the shell's own, or one for this command. */
    <T> T with(String node, boolean readOnly, Use<T> use) throws BlockException {
        BlockBackend own = opened.get(node);
        if (own != null) {
            return use.run(own);
        }
        // A reader that shares everything: a command on someone else's node must not get in its way.
        Set<Permission> taken = readOnly ? EnumSet.of(Permission.CONSISTENT_READ) : taken(false);
        try (BlockBackend blk = backends.attach(node, "", taken, Permission.ALL)) {
            return use.run(blk);
        }
    }

    private static Set<Permission> taken(boolean readOnly) {
        return readOnly ? EnumSet.of(Permission.CONSISTENT_READ)
                : EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE);
    }

    /** Every user of the node and its permissions, for {@code block:info}. */
    java.util.List<org.blocklayer.api.backend.NodeUser> users(String node) throws BlockException {
        return backends.users(node);
    }

    /** Every backend of the graph, for {@code block:backends}. */
    java.util.List<org.blocklayer.api.backend.BackendInfo> all() {
        return backends.backends();
    }

    @Deactivate
    void closeAll() {
        opened.values().forEach(BlockBackend::close);
        opened.clear();
    }

    @FunctionalInterface
    interface Use<T> {
        T run(BlockBackend blk) throws BlockException;
    }
}
