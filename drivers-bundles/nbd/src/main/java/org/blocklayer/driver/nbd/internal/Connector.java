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

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.ConnectProbe;

/**
 * {@code nbd_establish_connection} + {@code nbd_receive_negotiate}: connects to the server and negotiates the
 * export, all within the configured timeout. Blocking: it runs on a worker thread ({@link #coConnect}), as QEMU's
 * {@code connect_thread_func}, while the coroutine that asked waits. The channel it returns is non-blocking, connected, in
 * the transmission phase.
 */
final class Connector {
    /** {@code sizeof(struct sockaddr_un.sun_path)} on Linux. */
    private static final int SUN_PATH_BYTES = ConnectProbe.SUN_PATH_BYTES;
    /**
     * The JDK's own limit: its unix socket connect refuses a path of this many bytes and more before any system call,
     * saying so in words only ("Unix domain path too long"), where Linux would still take 107 and 108 bytes.
     */
    private static final int JDK_SUN_PATH_BYTES = 107;

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

    /**
     * {@code nbd_co_establish_connection}: {@link #connect} on a worker of {@code ctx}'s pool while the calling
     * coroutine yields; what it throws reaches the caller unchanged.
     */
    @CoroutineFn
    static Session coConnect(NbdConfig config, AioContext ctx) throws BlockException {
        try {
            return ctx.threadPool().run(() -> {
                try {
                    return connect(config);
                } catch (BlockException e) {
                    throw new IOException(e.getMessage(), e);
                }
            });
        } catch (IOException e) {
            throw e.getCause() instanceof BlockException b ? b : new BlockException(Errno.EIO, e.getMessage(), e);
        }
    }

    static Session connect(NbdConfig config) throws BlockException {
        long deadline = System.nanoTime() + config.timeoutNanos();
        NbdAddress server = config.server();
        SocketChannel channel = null;
        Session session = null;
        boolean connected = false;
        SocketAddress address = null;
        try {
            address = server.resolve();
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
            // A failure once connected is nbd_read's -EIO; the JDK's words say what happened.
            throw connected ? new BlockException(Errno.EIO, "Lost the connection to NBD server " + server
                    + " during the handshake for export '" + config.export() + "': " + words(e), e)
                    : connectFailed(server, address, deadline, e);
        } finally {
            if (channel != null && session == null) {
                closeQuietly(channel);
            }
        }
    }

    /**
     * QEMU's {@code inet_connect_saddr} and {@code unix_connect_saddr} report the errno connect(2) set. The JDK's
     * exception says it in words only, which are not read for one: the same connect is made again through FFM
     * ({@link ConnectProbe}), and its errno is the kernel's. When that one gives none (it connected: the server came
     * up in between, or it did not end before the deadline), the errno is not known, and the failure is EIO with the
     * JDK's words.
     */
    private static BlockException connectFailed(NbdAddress server, SocketAddress address, long deadline,
            IOException e) {
        String what = "Failed to connect to NBD server " + server;
        return ConnectProbe.failure(address, deadline - System.nanoTime())
                .map(errno -> new BlockException(errno, what + ": " + errno.description(), e))
                .orElseGet(() -> new BlockException(Errno.EIO, what + ": " + words(e), e));
    }

    private static String words(IOException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /**
     * QEMU's {@code unix_connect_saddr}: a path longer than {@code sun_path} cannot be connected to, and QEMU says
     * so in these words (with ENAMETOOLONG here, the errno the path stands for; QEMU's open reports none). The JDK
     * refuses two bytes earlier still (107 and 108 bytes), before any system call: such a path is refused here too,
     * naming that limit.
     */
    static void checkSocketPath(String path) throws BlockException {
        int bytes = path.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > SUN_PATH_BYTES) {
            throw new BlockException(Errno.ENAMETOOLONG, "UNIX socket path '" + path + "' is too long (" + bytes
                    + " bytes; a path must be less than " + SUN_PATH_BYTES + " bytes)");
        }
        if (bytes >= JDK_SUN_PATH_BYTES) {
            throw new BlockException(Errno.ENAMETOOLONG, "UNIX socket path '" + path + "' is too long (" + bytes
                    + " bytes; the JDK takes less than " + JDK_SUN_PATH_BYTES + " bytes)");
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
