package org.blocklayer.driver.nbd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scripted NBD server in the test JVM, for what real servers never do: break the protocol, stay silent, answer
 * out of order, drop the connection at a chosen moment. The i-th connection runs the i-th script on a thread of
 * its own; connections beyond the scripts are closed at once. Failures inside scripts are kept and rethrown by
 * {@link #close()}.
 */
final class FakeServer implements AutoCloseable {

    @FunctionalInterface
    interface Script {
        void run(Peer peer) throws Exception;
    }

    /** One request as the server received it. */
    record Request(int flags, int type, long cookie, long offset, int length, byte[] payload) {
    }

    private final ServerSocketChannel server;
    private final List<Script> scripts;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> sockets = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closing;

    FakeServer(Script... scripts) throws IOException {
        this.scripts = List.of(scripts);
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        this.acceptor = Thread.ofPlatform().daemon().name("fake-nbd-accept").start(this::accept);
    }

    int port() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    String uri(String export) {
        return "nbd://127.0.0.1:" + port() + "/" + export;
    }

    private void accept() {
        int n = 0;
        while (!closing) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(ch);
            if (n >= scripts.size()) {
                closeQuietly(ch);
                continue;
            }
            Script script = scripts.get(n++);
            threads.add(Thread.ofPlatform().daemon().name("fake-nbd-" + n).start(() -> {
                try {
                    script.run(new Peer(ch));
                } catch (Throwable t) {
                    if (!closing) {
                        failures.add(t);
                    }
                } finally {
                    closeQuietly(ch);
                }
            }));
        }
    }

    @Override
    public void close() throws Exception {
        closing = true;
        server.close();
        sockets.forEach(FakeServer::closeQuietly);
        acceptor.join(TimeUnit.SECONDS.toMillis(5));
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(5));
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("fake server script failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // test teardown
        }
    }

    /** The server's end of one connection (blocking I/O). */
    static final class Peer {
        final SocketChannel ch;

        Peer(SocketChannel ch) {
            this.ch = ch;
        }

        /** Greeting, client flags, then replies to options until NBD_OPT_GO succeeds. */
        void handshake(long size, int transmissionFlags) throws IOException {
            handshake(size, transmissionFlags, true, -1);
        }

        void handshake(long size, int transmissionFlags, boolean structured, int maxBlock) throws IOException {
            send(ServerBytes.greeting(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES));
            readFully(4);
            for (;;) {
                ByteBuffer h = readFully(16);
                h.getLong();
                int option = h.getInt();
                readFully(h.getInt());
                if (option == Nbd.OPT_STRUCTURED_REPLY) {
                    send(structured ? ServerBytes.ack(option) : ServerBytes.error(option, Nbd.REP_ERR_UNSUP, ""));
                } else if (option == Nbd.OPT_GO) {
                    send(ServerBytes.infoExport(size, transmissionFlags | Nbd.FLAG_HAS_FLAGS),
                            ServerBytes.infoBlockSize(1, 4096, maxBlock), ServerBytes.ack(option));
                    return;
                } else {
                    send(ServerBytes.error(option, Nbd.REP_ERR_UNSUP, ""));
                }
            }
        }

        /** The next request, or null when the client closed the connection. */
        Request read() throws IOException {
            ByteBuffer h;
            try {
                h = readFully(Nbd.REQUEST_SIZE);
            } catch (EOFException e) {
                return null;
            }
            if (h.getInt() != Nbd.REQUEST_MAGIC) {
                throw new IOException("bad request magic");
            }
            int flags = Short.toUnsignedInt(h.getShort());
            int type = Short.toUnsignedInt(h.getShort());
            long cookie = h.getLong();
            long offset = h.getLong();
            int length = h.getInt();
            byte[] payload = type == Nbd.CMD_WRITE ? readFully(length).array() : new byte[0];
            return new Request(flags, type, cookie, offset, length, payload);
        }

        /** Reads requests until the client closes; returns them. */
        List<Request> readUntilEof() throws IOException {
            List<Request> all = new ArrayList<>();
            for (Request r = read(); r != null; r = read()) {
                all.add(r);
            }
            return all;
        }

        void send(byte[]... parts) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(ServerBytes.concat(parts));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        ByteBuffer readFully(int n) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw new EOFException();
                }
            }
            return b.flip();
        }

        void close() throws IOException {
            ch.close();
        }
    }
}
