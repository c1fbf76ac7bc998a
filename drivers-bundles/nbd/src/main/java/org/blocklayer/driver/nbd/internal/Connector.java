package org.blocklayer.driver.nbd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.error.IoErrors;

/**
 * {@code nbd_establish_connection} + {@code nbd_receive_negotiate}: connects to the server and negotiates the
 * export, all within the configured timeout. Blocking: it runs in the main loop during open (outside any
 * coroutine) and on a worker thread during a reconnection. The channel it returns is non-blocking, connected, in
 * the transmission phase.
 */
final class Connector {
    /** {@code sizeof(struct sockaddr_un.sun_path)} on Linux. */
    private static final int SUN_PATH_BYTES = 108;

    private Connector() {
    }

    /** A connection that finished its handshake. */
    record Session(SocketChannel channel, ExportInfo info) {

        /** Leaves an export that will not be used: {@code NBD_CMD_DISC}, best effort, then close. */
        void disconnect() {
            try {
                channel.write(RequestEncoder.disconnect(0));
            } catch (IOException e) {
                // Closing is all that is left.
            }
            closeQuietly(channel);
        }
    }

    static Session connect(NbdConfig config) throws BlockException {
        long deadline = System.nanoTime() + config.timeoutNanos();
        NbdAddress server = config.server();
        SocketChannel channel = null;
        Session session = null;
        boolean connected = false;
        try {
            SocketAddress address = server.resolve();
            if (address instanceof InetSocketAddress inet && inet.isUnresolved()) {
                throw new BlockException(Errno.EINVAL, "Cannot resolve host '" + server.host() + "' of NBD server "
                        + server);
            }
            if (server.isUnix()) {
                checkSocketPath(server.socketPath());
            }
            channel = server.isUnix() ? SocketChannel.open(server.family()) : SocketChannel.open();
            channel.configureBlocking(false);
            if (!server.isUnix()) {
                // Without it a request and its payload wait for the peer's delayed ACK (PEERS.md: 40 ms stalls).
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            try (SocketIo io = new SocketIo(channel, deadline)) {
                if (!channel.connect(address)) {
                    io.finishConnect();
                }
                connected = true;
                Handshake handshake = new Handshake(io, config.export(), server.toString());
                try {
                    session = new Session(channel, handshake.negotiate());
                    return session;
                } catch (NbdProtocolException e) {
                    handshake.abort();
                    throw new BlockException(Errno.EPROTO, "NBD server " + server + " broke the protocol during "
                            + "the handshake for export '" + config.export() + "': " + e.getMessage());
                }
            }
        } catch (SocketTimeoutException e) {
            throw new BlockException(Errno.ETIMEDOUT, (connected ? "Timed out in the handshake with NBD server "
                    : "Timed out connecting to NBD server ") + server + " after "
                    + seconds(config.timeoutNanos()) + " (timeout)", e);
        } catch (EOFException e) {
            throw new BlockException(Errno.EIO, "NBD server " + server + " closed the connection during the "
                    + "handshake for export '" + config.export() + "'", e);
        } catch (UnresolvedAddressException e) {
            throw new BlockException(Errno.EINVAL, "Cannot resolve host '" + server.host() + "' of NBD server "
                    + server, e);
        } catch (IOException e) {
            throw IoErrors.toBlockException((connected ? "Lost the connection to NBD server "
                    : "Failed to connect to NBD server ") + server, e);
        } finally {
            if (channel != null && session == null) {
                closeQuietly(channel);
            }
        }
    }

    /**
     * QEMU's {@code unix_connect_saddr}: a path longer than {@code sun_path} cannot be connected to, and QEMU says
     * so in these words (with ENAMETOOLONG here, the errno the path stands for; QEMU's open reports none). The JDK
     * refuses two bytes earlier still (107 and 108 bytes); that comes back as ENAMETOOLONG through IoErrors.
     */
    static void checkSocketPath(String path) throws BlockException {
        int bytes = path.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > SUN_PATH_BYTES) {
            throw new BlockException(Errno.ENAMETOOLONG, "UNIX socket path '" + path + "' is too long (" + bytes
                    + " bytes; a path must be less than " + SUN_PATH_BYTES + " bytes)");
        }
    }

    static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing to do about a failing close of a socket we give up on.
        }
    }

    static String seconds(long nanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis / 1000.0 + " s";
    }
}
