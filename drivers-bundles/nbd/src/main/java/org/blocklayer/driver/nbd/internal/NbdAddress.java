package org.blocklayer.driver.nbd.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;

/**
 * Where the server listens (QEMU's {@code SocketAddress}, types {@code inet} and {@code unix}).
 *
 * @param host       host name or address for {@code inet}, null for {@code unix}
 * @param port       TCP port for {@code inet}
 * @param socketPath socket path for {@code unix}, null for {@code inet}
 */
record NbdAddress(String host, int port, String socketPath) {

    static NbdAddress inet(String host, int port) {
        return new NbdAddress(host, port, null);
    }

    static NbdAddress unix(String path) {
        return new NbdAddress(null, 0, path);
    }

    boolean isUnix() {
        return socketPath != null;
    }

    StandardProtocolFamily family() {
        return isUnix() ? StandardProtocolFamily.UNIX : null;
    }

    /** Resolves the address; a host name is looked up here, in the caller's thread. */
    SocketAddress resolve() {
        return isUnix() ? UnixDomainSocketAddress.of(socketPath) : new InetSocketAddress(host, port);
    }

    /** {@code host:port} or {@code unix:PATH}, as messages name the server. */
    @Override
    public String toString() {
        if (isUnix()) {
            return "unix:" + socketPath;
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
