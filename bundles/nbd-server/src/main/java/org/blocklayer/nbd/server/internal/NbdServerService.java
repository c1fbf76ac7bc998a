package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.export.BlockExports;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.export.ExportOptions;
import org.blocklayer.api.export.NbdServerInfo;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.Permission;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@link BlockExports} service: QEMU's {@code nbd-server-start}/{@code -stop} (blockdev-nbd.c) and
 * {@code block-export-add}/{@code -del} for NBD exports ({@code blk_exp_add}, {@code nbd_export_create}). The table
 * and the listener live in the main loop; waiting for clients to go happens on the caller's thread, so the main loop
 * keeps serving them meanwhile.
 */
@Component(service = {BlockExports.class, ServerStarts.class, ExportDeletions.class})
public final class NbdServerService implements BlockExports, ServerStarts, ExportDeletions {
    /** QEMU's {@code NBD_DEFAULT_HANDSHAKE_MAX_SECS}. */
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** How long a deletion waits beyond the graph's detach timeout for the last request (X6) before giving up. */
    private static final Duration DELETE_SLACK = Duration.ofSeconds(30);

    private final CoroutineScheduler scheduler;
    private final BlockGraph graph;
    private final BlockBackends backends;
    private final ExportTable exports = new ExportTable();
    private final Duration handshakeTimeout;
    private NbdListener listener;
    /** Told after each start, on the starting thread: declared exports waiting for a server try again. */
    private final List<Runnable> starts = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Told of each export once it has let go of its node. */
    private final List<java.util.function.Consumer<String>> deletions =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    @Activate
    public NbdServerService(@Reference CoroutineScheduler scheduler, @Reference BlockGraph graph,
            @Reference BlockBackends backends) {
        this(scheduler, graph, backends, HANDSHAKE_TIMEOUT);
    }

    NbdServerService(CoroutineScheduler scheduler, BlockGraph graph, BlockBackends backends,
            Duration handshakeTimeout) {
        this.scheduler = scheduler;
        this.graph = graph;
        this.backends = backends;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** The exports, for tests in this package. */
    ExportTable exportTable() {
        return exports;
    }

    @Override
    public NbdServerInfo startNbdServer(String address, int maxConnections) throws BlockException {
        ServerAddress where = ServerAddress.parse(address == null ? DEFAULT_ADDRESS : address);
        if (maxConnections < 0) {
            throw new BlockException(Errno.EINVAL, "max-connections must not be negative, got " + maxConnections);
        }
        NbdServerInfo started = inMainLoop(() -> {
            if (listener != null) {
                throw new BlockException(Errno.EBUSY, "NBD server already running");
            }
            NbdListener l = new NbdListener(scheduler, exports, maxConnections, handshakeTimeout.toNanos());
            try {
                l.listen(where);
            } catch (IOException e) {
                throw new BlockException(Errno.EIO, "Failed to listen on " + address + ": " + e.getMessage(), e);
            }
            listener = l;
            return l.info();
        });
        starts.forEach(Runnable::run);
        return started;
    }

    @Override
    public AutoCloseable onStart(Runnable listener) {
        starts.add(listener);
        return () -> starts.remove(listener);
    }

    @Override
    public AutoCloseable onDelete(java.util.function.Consumer<String> listener) {
        deletions.add(listener);
        return () -> deletions.remove(listener);
    }

    @Override
    public void stopNbdServer() throws BlockException {
        List<NbdExport> deleted = new ArrayList<>();
        NbdListener stopped = inMainLoop(() -> {
            if (listener == null) {
                throw new BlockException(Errno.ENOENT, "NBD server not running");
            }
            for (NbdExport e : exports.all()) {
                exports.remove(e.name());
                e.markDeleted().forEach(c -> c.shutdown(false));
                deleted.add(e);
            }
            NbdListener l = listener;
            l.close().forEach(c -> c.shutdown(false));
            listener = null;
            return l;
        });
        for (NbdExport e : deleted) {
            release(e);
        }
        // nbd_server_free: the server is stopped once its last connection is.
        await(stopped.idle(), "NBD server's connections to close");
    }

    @Override
    public NbdServerInfo nbdServer() {
        try {
            return inMainLoop(() -> listener == null ? null : listener.info());
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public ExportInfo add(ExportOptions options) throws BlockException {
        String name = options.name() == null ? options.node() : options.name();
        checkLength("export name", name);
        if (options.description() != null) {
            checkLength("description", options.description());
        }
        return inMainLoop(() -> {
            if (listener == null) {
                throw new BlockException(Errno.EINVAL, "NBD server not running");
            }
            if (exports.find(name) != null) {
                throw new BlockException(Errno.EEXIST, "NBD server already has export named '" + name + "'");
            }
            BlockNode node = graph.node(options.node());
            // blk_exp_add: read, and write when writable; everything shared but resize (nbd_export_create).
            Set<Permission> taken = options.writable() ? EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE)
                    : EnumSet.of(Permission.CONSISTENT_READ);
            Set<Permission> shared = EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE,
                    Permission.WRITE_UNCHANGED);
            BlockBackend blk = backends.attachAs("NBD export '" + name + "'", options.node(), taken, shared);
            // blk_exp_add: the export stops its own requests while drained, and counts the ones it has.
            blk.setDisableRequestQueuing(true);
            try {
                long size = blk.getLength() & ~511L;
                boolean multiConn = listener.maxConnections() != 1 && switch (options.multiConn()) {
                    case ON -> true;
                    case OFF -> false;
                    case AUTO -> !options.writable();
                };
                NbdExport export = new NbdExport(name, options.description(), options.node(), blk,
                        node.aioContext(), size, NbdExport.flags(options.writable(), multiConn));
                blk.setDevOps(export);
                exports.add(export);
                return export.info();
            } catch (BlockException | RuntimeException e) {
                blk.close();
                throw e;
            }
        });
    }

    private static void checkLength(String what, String text) throws BlockException {
        if (text.getBytes(StandardCharsets.UTF_8).length > Wire.MAX_STRING) {
            throw new BlockException(Errno.EINVAL, what + " '" + Negotiation.sanitized(text) + "' too long");
        }
    }

    @Override
    public void delete(String name, boolean force) throws BlockException {
        NbdExport export = inMainLoop(() -> {
            NbdExport e = exports.remove(name);
            if (e == null) {
                throw new BlockException(Errno.ENOENT, "Export '" + name + "' is not found");
            }
            e.markDeleted().forEach(c -> c.shutdown(!force));
            return e;
        });
        release(export);
    }

    /** Waits, on the caller's thread, for the export's last client, then lets go of its node. */
    private void release(NbdExport export) throws BlockException {
        CompletableFuture<Void> gone = export.released();
        try {
            await(gone, "NBD export '" + export.name() + "' to finish the requests in flight");
        } catch (BlockException e) {
            gone.thenRun(() -> {
                export.blk().close();
                deleted(export);
            });
            throw new BlockException(e.errno(), e.getMessage() + "; it lets go of node '" + export.info().node()
                    + "' when they end");
        }
        export.blk().close();
        deleted(export);
    }

    private void deleted(NbdExport export) {
        deletions.forEach(d -> d.accept(export.name()));
    }

    /** Waits for {@code done}, bounded by the graph's detach timeout (requests may wait that long, X6) and more. */
    private void await(CompletableFuture<Void> done, String what) throws BlockException {
        Duration limit = graph.detachTimeout().plus(DELETE_SLACK);
        try {
            done.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new BlockException(Errno.ETIMEDOUT, "waited " + limit.toSeconds() + " s for " + what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BlockException(Errno.EINTR, "interrupted while waiting for " + what);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<ExportInfo> exports() {
        try {
            return inMainLoop(() -> exports.all().stream().map(NbdExport::info).toList());
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bundle stop: the server goes as {@code nbd-server-stop} would, so no node stays used by a gone export. */
    @Deactivate
    void deactivate() {
        try {
            stopNbdServer();
        } catch (BlockException e) {
            // Not running: nothing to stop.
        }
    }

    private <T> T inMainLoop(MainLoopCall<T> call) throws BlockException {
        if (scheduler.mainContext().isCurrent()) {
            throw new IllegalStateException("BlockExports is called from outside the main loop: it waits for "
                    + "clients that the main loop serves");
        }
        try {
            return scheduler.callInMainLoop(call::call);
        } catch (BlockException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface MainLoopCall<T> {
        T call() throws BlockException;
    }
}
