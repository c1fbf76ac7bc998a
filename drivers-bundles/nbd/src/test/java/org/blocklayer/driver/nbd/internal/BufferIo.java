package org.blocklayer.driver.nbd.internal;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;

/** A {@link HandshakeIo} whose server side is a fixed byte array; what the client writes is kept. */
final class BufferIo implements HandshakeIo {
    private final ByteBuffer server;
    final ByteArrayOutputStream client = new ByteArrayOutputStream();

    BufferIo(byte[] serverBytes) {
        this.server = ByteBuffer.wrap(serverBytes);
    }

    @Override
    public void write(ByteBuffer buf) {
        byte[] b = new byte[buf.remaining()];
        buf.get(b);
        client.writeBytes(b);
    }

    @Override
    public void readFully(ByteBuffer buf) throws EOFException {
        if (server.remaining() < buf.remaining()) {
            server.position(server.limit());
            throw new EOFException("end of server bytes");
        }
        ByteBuffer part = server.slice(server.position(), buf.remaining());
        server.position(server.position() + buf.remaining());
        buf.put(part);
    }

    ByteBuffer clientBytes() {
        return ByteBuffer.wrap(client.toByteArray());
    }
}
