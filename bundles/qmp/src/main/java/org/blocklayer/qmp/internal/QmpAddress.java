package org.blocklayer.qmp.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * Where a QMP listener listens, as {@code --qmp} and the configuration write it: {@code unix:PATH} (QEMU's
 * {@code --chardev socket,path=PATH,server=on}) or {@code tcp:HOST:PORT} on a loopback address only, since QMP has
 * no authentication and anyone who reaches the socket may add and delete nodes.
 */
record QmpAddress(String text, SocketAddress socket) {

    static QmpAddress unix(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("QMP address unix: needs a path, as in unix:/run/blocklayer/qmp.sock");
        }
        return new QmpAddress("unix:" + path, UnixDomainSocketAddress.of(Path.of(path)));
    }

    /** {@code HOST:PORT}; HOST must be a loopback address (127.0.0.1, ::1, localhost). */
    static QmpAddress tcp(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("QMP address tcp:" + hostPort
                    + " needs HOST:PORT, as in tcp:127.0.0.1:4444");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("QMP address tcp:" + hostPort + ": the port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("QMP address tcp:" + hostPort + ": port out of range");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("QMP address tcp:" + hostPort + ": unknown host " + host);
        }
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("QMP address tcp:" + hostPort + ": QMP listens on a loopback address"
                    + " only (127.0.0.1 or ::1): it has no authentication");
        }
        return new QmpAddress("tcp:" + hostPort, new InetSocketAddress(address, port));
    }

    /** {@code unix:PATH} or {@code tcp:HOST:PORT}. */
    static QmpAddress parse(String text) {
        String t = text.strip();
        if (t.startsWith("unix:")) {
            return unix(t.substring(5));
        }
        if (t.startsWith("tcp:")) {
            return tcp(t.substring(4));
        }
        throw new IllegalArgumentException("QMP address '" + text + "': expected unix:PATH or tcp:127.0.0.1:PORT");
    }

    boolean isUnix() {
        return socket instanceof UnixDomainSocketAddress;
    }
}
