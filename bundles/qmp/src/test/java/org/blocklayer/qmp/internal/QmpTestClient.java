package org.blocklayer.qmp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A QMP client for tests: sends raw bytes or commands, reads every message the server sends (one JSON document per
 * line, as QEMU writes them) on a thread of its own, and keeps events apart from replies.
 */
final class QmpTestClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long WAIT_SECONDS = 30;

    private final SocketChannel channel;
    private final OutputStream out;
    private final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean eof;

    private QmpTestClient(SocketChannel channel) {
        this.channel = channel;
        this.out = Channels.newOutputStream(channel);
        InputStream in = Channels.newInputStream(channel);
        this.reader = Thread.ofPlatform().daemon().name("qmp-test-client").start(() -> {
            try {
                StringBuilder line = new StringBuilder();
                java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in,
                        StandardCharsets.UTF_8));
                for (String l; (l = r.readLine()) != null; ) {
                    line.setLength(0);
                    JsonNode message = JSON.readTree(l);
                    (message.has("event") ? events : replies).add(message);
                }
            } catch (IOException e) {
                // closed
            }
            eof = true;
        });
    }

    static QmpTestClient connect(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        return new QmpTestClient(c);
    }

    JsonNode greeting() {
        return reply();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void sendRaw(String text) throws IOException {
        sendRaw(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code {"execute": name, "arguments": args}} and returns the reply (return or error). */
    JsonNode execute(String name, String argumentsJson) throws IOException {
        ObjectNode request = JSON.createObjectNode();
        request.put("execute", name);
        if (argumentsJson != null) {
            request.set("arguments", JSON.readTree(argumentsJson));
        }
        sendRaw(JSON.writeValueAsString(request) + "\n");
        return reply();
    }

    /** {@link #execute} that must succeed; its {@code return}. */
    JsonNode command(String name, String argumentsJson) throws IOException {
        JsonNode reply = execute(name, argumentsJson);
        if (!reply.has("return")) {
            throw new AssertionError(name + " " + argumentsJson + " failed: " + reply);
        }
        return reply.get("return");
    }

    JsonNode command(String name) throws IOException {
        return command(name, null);
    }

    /** The next reply; fails after 30 s without one. */
    JsonNode reply() {
        try {
            JsonNode r = replies.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (r == null) {
                throw new AssertionError("no reply within " + WAIT_SECONDS + " s" + (eof ? " (connection closed)"
                        : ""));
            }
            return r;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The next event named {@code name}, skipping others; fails after 30 s without one. */
    JsonNode event(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            JsonNode e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no " + name + " event within " + WAIT_SECONDS + " s");
            }
            if (e.get("event").asText().equals(name)) {
                return e;
            }
        }
    }

    /** Events received so far, taken. */
    List<JsonNode> drainEvents() {
        List<JsonNode> list = new ArrayList<>();
        events.drainTo(list);
        return list;
    }

    /** Closes the sending side only: the server sees the end of input and answers what it has. */
    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    boolean closedByServer() throws InterruptedException {
        reader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return eof;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
