package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * Where the server listens, as qemu-storage-daemon's {@code --nbd-server addr.type=...} says it in one word:
 * {@code unix:PATH} or {@code inet:HOST:PORT} ({@code [v6]:PORT} for IPv6 literals).
 */
record ServerAddress(SocketAddress socket) {
    /** Linux's SOMAXCONN since 5.4. */
    private static final int BACKLOG = 4096;

    static ServerAddress parse(String text) throws BlockException {
        if (text.startsWith("unix:") && text.length() > "unix:".length()) {
            return new ServerAddress(UnixDomainSocketAddress.of(text.substring("unix:".length())));
        }
        if (text.startsWith("inet:")) {
            String rest = text.substring("inet:".length());
            int colon = rest.lastIndexOf(':');
            if (colon > 0) {
                String host = rest.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                try {
                    int port = Integer.parseInt(rest.substring(colon + 1));
                    if (port >= 0 && port <= 65535 && !host.isEmpty()) {
                        return new ServerAddress(new InetSocketAddress(host, port));
                    }
                } catch (NumberFormatException e) {
                    // falls through to the error below
                }
            }
        }
        throw new BlockException(Errno.EINVAL, "Invalid NBD server address '" + text
                + "': expected unix:PATH or inet:HOST:PORT");
    }

    /**
     * A listening channel on this address. A socket file left at a unix path by an earlier server is replaced, as
     * QEMU's {@code unix_listen_saddr} unlinks it; any other file there is refused.
     */
    ServerSocketChannel listen() throws IOException {
        if (socket instanceof UnixDomainSocketAddress unix) {
            Path path = unix.getPath();
            if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (a.isOther()) {
                    Files.delete(path);
                }
            }
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            return bind(ch);
        }
        return bind(ServerSocketChannel.open());
    }

    private ServerSocketChannel bind(ServerSocketChannel ch) throws IOException {
        try {
            // As QEMU, SOMAXCONN rather than the JDK's 50: clients over max-connections wait here.
            ch.bind(socket, BACKLOG);
            ch.configureBlocking(false);
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** The address in the form {@link #parse} reads, with the port a listening socket actually got. */
    static String describe(SocketAddress bound) {
        if (bound instanceof UnixDomainSocketAddress unix) {
            return "unix:" + unix.getPath();
        }
        InetSocketAddress inet = (InetSocketAddress) bound;
        String host = inet.getAddress().getHostAddress();
        return "inet:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
}
