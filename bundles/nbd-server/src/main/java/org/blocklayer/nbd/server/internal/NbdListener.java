package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.LinkedHashSet;
import java.util.Set;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.coroutine.FdWatch;
import org.blocklayer.api.export.NbdServerInfo;

/**
 * The listening socket and its connections ({@code NBDServerData}, {@code nbd_accept},
 * {@code nbd_update_server_watch} in blockdev-nbd.c): accepts in the main loop while fewer than max-connections
 * clients are connected, and stops watching the socket at the limit, so the next clients wait in the backlog.
 * Main loop only, but {@link #released}.
 */
final class NbdListener {
    private static final System.Logger LOG = System.getLogger(NbdListener.class.getName());

    private final CoroutineScheduler scheduler;
    private final ExportTable exports;
    private final int maxConnections;
    private final long handshakeTimeoutNanos;
    private final Set<ClientSession> connections = new LinkedHashSet<>();
    /** Completes once the listener is closed and its last session released ({@code nbd_server_free}'s wait). */
    private final java.util.concurrent.CompletableFuture<Void> idle = new java.util.concurrent.CompletableFuture<>();
    private ServerSocketChannel channel;
    private FdWatch watch;
    private String address;

    NbdListener(CoroutineScheduler scheduler, ExportTable exports, int maxConnections, long handshakeTimeoutNanos) {
        this.scheduler = scheduler;
        this.exports = exports;
        this.maxConnections = maxConnections;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
    }

    int maxConnections() {
        return maxConnections;
    }

    /** Listens on {@code where} and starts accepting. */
    void listen(ServerAddress where) throws IOException {
        channel = where.listen();
        address = ServerAddress.describe(channel.getLocalAddress());
        watch = main().watch(channel, null, null);
        updateWatch();
    }

    private AioContext main() {
        return scheduler.mainContext();
    }

    /** {@code nbd_update_server_watch}. */
    private void updateWatch() {
        if (watch != null) {
            boolean room = maxConnections == 0 || connections.size() < maxConnections;
            watch.set(room ? this::accept : null, null);
        }
    }

    /** {@code nbd_accept}: as many as are waiting and fit. */
    private void accept() {
        while (channel != null && (maxConnections == 0 || connections.size() < maxConnections)) {
            SocketChannel client;
            try {
                client = channel.accept();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "NBD server on " + address + ": accept failed: " + e);
                break;
            }
            if (client == null) {
                break;
            }
            String peer;
            try {
                client.configureBlocking(false);
                if (!(channel.getLocalAddress() instanceof UnixDomainSocketAddress)) {
                    // Replies are small and latency-bound: no Nagle delay (qemu-nbd 7.2 stalls 40 ms without).
                    client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                // A unix socket's peer has no name: say where it came in.
                peer = client.getRemoteAddress() instanceof UnixDomainSocketAddress ? "on " + address
                        : String.valueOf(client.getRemoteAddress());
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            ClientSession session = new ClientSession(scheduler, new ChannelIo(client, scheduler), exports,
                    handshakeTimeoutNanos, peer, this::released);
            connections.add(session);
            session.start();
        }
        updateWatch();
    }

    /** A session ended (any thread): it leaves the count, and accepting may resume. */
    void released(ClientSession session) {
        main().schedule(() -> {
            connections.remove(session);
            updateWatch();
            if (channel == null && connections.isEmpty()) {
                idle.complete(null);
            }
        });
    }

    int connections() {
        return connections.size();
    }

    NbdServerInfo info() {
        return new NbdServerInfo(address, maxConnections, connections.size());
    }

    /**
     * {@code nbd_server_free}: no more accepting; the socket file of a unix address goes. Returns the sessions
     * connected now, for the caller to close.
     */
    Set<ClientSession> close() {
        if (watch != null) {
            watch.remove();
            watch = null;
        }
        if (channel != null) {
            try {
                java.net.SocketAddress local = channel.getLocalAddress();
                channel.close();
                if (local instanceof UnixDomainSocketAddress unix) {
                    Files.deleteIfExists(unix.getPath());
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "NBD server on " + address + ": closing failed: " + e);
            }
            channel = null;
        }
        if (connections.isEmpty()) {
            idle.complete(null);
        }
        return Set.copyOf(connections);
    }

    /** Completes once {@link #close} was called and every session it returned is released. */
    java.util.concurrent.CompletableFuture<Void> idle() {
        return idle;
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
