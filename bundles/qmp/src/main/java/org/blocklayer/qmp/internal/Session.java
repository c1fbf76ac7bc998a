package org.blocklayer.qmp.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One QMP client ({@code MonitorQMP}): the greeting, then requests read and answered in order, and events once it has
 * negotiated. Its replies and events wait in a bounded queue for a writer thread of its own, so a client that stops
 * reading holds up nobody else: when its queue is full it is disconnected.
 */
final class Session {
    /** Replies and events a client may leave unread before it is dropped. */
    static final int MAX_PENDING = 1024;
    private static final byte[] CLOSE = new byte[0];

    private final int number;
    private final SocketChannel channel;
    private final Dispatcher dispatcher;
    private final ObjectMapper mapper;
    private final RequestFramer framer;
    private final Consumer<Session> gone;
    private final BlockingQueue<byte[]> pending = new ArrayBlockingQueue<>(MAX_PENDING + 1);
    private volatile boolean negotiated;
    private volatile boolean closed;
    private Thread reader;
    private Thread writer;

    Session(int number, SocketChannel channel, Dispatcher dispatcher, ObjectMapper mapper, int maxRequestBytes,
            Consumer<Session> gone) {
        this.number = number;
        this.channel = channel;
        this.dispatcher = dispatcher;
        this.mapper = mapper;
        this.framer = new RequestFramer(mapper, maxRequestBytes);
        this.gone = gone;
    }

    /** Sends {@code greeting} and starts serving. */
    void start(JsonNode greeting) {
        send(greeting);
        writer = Thread.ofVirtual().name("qmp-" + number + "-write").start(this::writeLoop);
        reader = Thread.ofVirtual().name("qmp-" + number + "-read").start(this::readLoop);
    }

    boolean negotiated() {
        return negotiated;
    }

    /** {@code qmp_capabilities} succeeded: commands and events from now on. */
    void negotiate() {
        negotiated = true;
    }

    /** An event, sent only to a client that has negotiated, as {@code monitor_qapi_event_emit} does. */
    void event(ObjectNode event) {
        if (negotiated) {
            send(event);
        }
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            while (!closed) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    framer.endOfInput().forEach(this::answer);
                    break;
                }
                for (RequestFramer.Frame frame : framer.feed(buffer.array(), 0, n)) {
                    answer(frame);
                }
            }
        } catch (IOException e) {
            // The client went away mid-read: nothing to answer.
        } finally {
            close();
        }
    }

    private void answer(RequestFramer.Frame frame) {
        switch (frame) {
            case RequestFramer.Document d -> send(dispatcher.dispatch(d.json(), this));
            case RequestFramer.Invalid i -> send(Dispatcher.error(QmpError.generic(i.message())));
        }
    }

    private void send(JsonNode message) {
        if (closed) {
            return;
        }
        byte[] bytes;
        try {
            bytes = (mapper.writeValueAsString(message) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a reply Jackson cannot write: " + message, e);
        }
        if (!pending.offer(bytes)) {
            // It does not read what it is sent: it would hold every reply and event in memory.
            end(true);
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                byte[] bytes = pending.take();
                if (bytes == CLOSE) {
                    break;
                }
                ByteBuffer out = ByteBuffer.wrap(bytes);
                while (out.hasRemaining()) {
                    channel.write(out);
                }
            }
        } catch (IOException | InterruptedException e) {
            // Gone or stopped: the socket is closed below.
        } finally {
            closeChannel();
        }
    }

    /**
     * Ends the session: what is queued is still written (the reply to {@code quit}, the answers to a client that
     * closed its sending side), then the socket closes. Idempotent, any thread.
     */
    void close() {
        end(false);
    }

    /** Closes, waiting at most {@code millis} for what is queued to be written. */
    void closeAndWait(long millis) throws InterruptedException {
        end(false);
        if (writer != null && !writer.join(java.time.Duration.ofMillis(millis))) {
            closeChannel();
        }
        closeChannel();
        if (reader != null) {
            reader.join(java.time.Duration.ofMillis(millis));
        }
    }

    private void end(boolean dropPending) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (dropPending) {
            // Its writer may be blocked on a full socket forever: closing the socket frees it.
            pending.clear();
            closeChannel();
        }
        if (writer == null || !pending.offer(CLOSE)) {
            closeChannel();
        }
        gone.accept(this);
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing a socket whose peer is gone: nothing left to release.
        }
    }

    @Override
    public String toString() {
        return "QMP client " + number;
    }
}
