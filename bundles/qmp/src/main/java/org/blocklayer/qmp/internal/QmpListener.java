package org.blocklayer.qmp.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A listening QMP socket ({@code qio_net_listener} under a {@code -chardev socket,server=on}): accepts clients, any
 * number at once, and hands each to {@code accepted}. A stale unix socket file left by an earlier run is replaced, as
 * QEMU unlinks one before it binds; any other file in the way is an error.
 */
final class QmpListener implements AutoCloseable {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final QmpAddress address;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    private QmpListener(QmpAddress address, ServerSocketChannel server, Consumer<SocketChannel> accepted) {
        this.address = address;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("qmp-accept " + address.text()).start(() -> {
            try {
                while (true) {
                    accepted.accept(server.accept());
                }
            } catch (ClosedChannelException e) {
                // close(): the listener is done.
            } catch (IOException e) {
                // The listening socket failed; clients already connected carry on.
            }
        });
    }

    static QmpListener listen(QmpAddress address, Consumer<SocketChannel> accepted) throws IOException {
        ServerSocketChannel server;
        if (address.isUnix()) {
            Path path = ((UnixDomainSocketAddress) address.socket()).getPath();
            removeStaleSocket(path);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } else {
            server = ServerSocketChannel.open();
        }
        try {
            server.bind(address.socket());
        } catch (IOException e) {
            server.close();
            throw new IOException("QMP cannot listen on " + address.text() + ": " + e.getMessage(), e);
        }
        return new QmpListener(address, server, accepted);
    }

    private static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("QMP cannot listen on unix:" + path + ": a file that is not a socket is there");
        }
        Files.delete(path);
    }

    QmpAddress address() {
        return address;
    }

    /** Where it listens, with the port a {@code tcp:...:0} address got. */
    String boundAddress() throws IOException {
        if (address.isUnix()) {
            return address.text();
        }
        java.net.InetSocketAddress a = (java.net.InetSocketAddress) server.getLocalAddress();
        return "tcp:" + a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (address.isUnix()) {
            Files.deleteIfExists(((UnixDomainSocketAddress) address.socket()).getPath());
        }
    }
}
