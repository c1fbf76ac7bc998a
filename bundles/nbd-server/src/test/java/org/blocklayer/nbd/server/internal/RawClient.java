package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An NBD client that writes the protocol's bytes itself, so tests can send what well-behaved clients never send.
 * Blocking; each test bounds its time with {@code @Timeout}.
 */
final class RawClient implements AutoCloseable {
    private final SocketChannel ch;

    private RawClient(SocketChannel ch) {
        this.ch = ch;
    }

    /** Connects and reads the greeting, answering with fixed newstyle and no zeroes. */
    static RawClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        RawClient c = new RawClient(ch);
        ByteBuffer greeting = c.read(18);
        assertThat(greeting.getLong()).isEqualTo(Wire.PASSWD);
        assertThat(greeting.getLong()).isEqualTo(Wire.OPTS_MAGIC);
        assertThat(greeting.getShort()).isEqualTo((short) (Wire.FIXED_NEWSTYLE | Wire.NO_ZEROES));
        c.write(ByteBuffer.allocate(4).putInt(Wire.FIXED_NEWSTYLE | Wire.NO_ZEROES).flip());
        return c;
    }

    /** One option reply. */
    record Reply(int option, int type, ByteBuffer data) {
        boolean isError() {
            return type < 0;
        }

        String text() {
            return StandardCharsets.UTF_8.decode(data.duplicate()).toString();
        }
    }

    void option(int option, ByteBuffer data) throws IOException {
        write(ByteBuffer.allocate(16).putLong(Wire.OPTS_MAGIC).putInt(option).putInt(data.remaining()).flip());
        write(data);
    }

    Reply reply() throws IOException {
        ByteBuffer h = read(20);
        assertThat(h.getLong()).isEqualTo(Wire.REPLY_MAGIC);
        int option = h.getInt();
        int type = h.getInt();
        return new Reply(option, type, read(h.getInt()));
    }

    /** A string as options carry it: 32-bit length, bytes. */
    static ByteBuffer string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).flip();
    }

    /** NBD_OPT_GO or INFO with no information requests; the replies up to ACK or an error. */
    java.util.List<Reply> go(int option, String name) throws IOException {
        ByteBuffer n = string(name);
        option(option, ByteBuffer.allocate(n.remaining() + 2).put(n).putShort((short) 0).flip());
        java.util.List<Reply> replies = new java.util.ArrayList<>();
        Reply r;
        do {
            r = reply();
            replies.add(r);
        } while (r.type() == Wire.REP_INFO);
        return replies;
    }

    /** GO to {@code name}; returns the transmission flags. */
    int goTo(String name) throws IOException {
        java.util.List<Reply> replies = go(Wire.Option.GO.code, name);
        assertThat(replies.getLast().type()).as("GO %s", name).isEqualTo(Wire.REP_ACK);
        for (Reply r : replies) {
            if (r.type() == Wire.REP_INFO && r.data().getShort(0) == Wire.INFO_EXPORT) {
                return Short.toUnsignedInt(r.data().getShort(10));
            }
        }
        throw new AssertionError("no NBD_INFO_EXPORT");
    }

    void structuredReplies() throws IOException {
        option(Wire.Option.STRUCTURED_REPLY.code, ByteBuffer.allocate(0));
        assertThat(reply().type()).isEqualTo(Wire.REP_ACK);
    }

    /** SET_META_CONTEXT {@code base:allocation} on {@code export}. */
    void baseAllocation(String export) throws IOException {
        ByteBuffer name = string(export);
        ByteBuffer query = string(Wire.BASE_ALLOCATION);
        option(Wire.Option.SET_META_CONTEXT.code, ByteBuffer.allocate(name.remaining() + 4 + query.remaining())
                .put(name).putInt(1).put(query).flip());
        assertThat(reply().type()).isEqualTo(Wire.REP_META_CONTEXT);
        assertThat(reply().type()).isEqualTo(Wire.REP_ACK);
    }

    void request(int flags, int type, long handle, long from, long length, ByteBuffer payload) throws IOException {
        write(ByteBuffer.allocate(28).putInt(Wire.REQUEST_MAGIC).putShort((short) flags).putShort((short) type)
                .putLong(handle).putLong(from).putInt((int) length).flip());
        if (payload != null) {
            write(payload);
        }
    }

    /** A simple reply's error and handle; the data of a read stays in the socket. */
    long[] simpleReply() throws IOException {
        ByteBuffer h = read(16);
        assertThat(h.getInt()).isEqualTo(Wire.SIMPLE_MAGIC);
        return new long[] {h.getInt(), h.getLong()};
    }

    /** One structured reply chunk. */
    record Chunk(int flags, int type, long handle, ByteBuffer payload) {
        boolean done() {
            return (flags & Wire.DONE) != 0;
        }
    }

    Chunk chunk() throws IOException {
        ByteBuffer h = read(20);
        assertThat(h.getInt()).isEqualTo(Wire.STRUCTURED_MAGIC);
        int flags = Short.toUnsignedInt(h.getShort());
        int type = Short.toUnsignedInt(h.getShort());
        long handle = h.getLong();
        return new Chunk(flags, type, handle, read(h.getInt()));
    }

    ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("server closed the connection after " + b.position() + " of " + n);
            }
        }
        return b.flip();
    }

    /** True when the server closed the connection: the next read finds the end. */
    boolean closedByServer() throws IOException {
        try {
            return ch.read(ByteBuffer.allocate(1)) < 0;
        } catch (IOException e) {
            return true;
        }
    }

    void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
