package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.CoMutex;

/**
 * The replies of the transmission phase ({@code nbd_co_send_simple_reply}, {@code nbd_co_send_structured_*}): each
 * message goes out whole under the connection's send lock ({@code nbd_co_send_iov}), so replies of requests that
 * finish together never interleave their bytes, while the chunks of one structured reply may have other replies
 * between them. An IOException means the client is gone.
 */
final class Replies {
    private final ChannelIo io;
    private final CoMutex sendLock;
    private final boolean structured;

    Replies(ChannelIo io, CoMutex sendLock, boolean structured) {
        this.io = io;
        this.sendLock = sendLock;
        this.structured = structured;
    }

    boolean structured() {
        return structured;
    }

    /** {@code nbd_send_generic_reply}: a structured error chunk, or a simple reply (with error 0 for success). */
    @CoroutineFn
    void generic(long handle, int nbdError, String message) throws IOException {
        if (structured && nbdError != 0) {
            error(handle, nbdError, message);
        } else {
            simple(handle, nbdError, null);
        }
    }

    /** A simple reply, followed by {@code data} for a successful read. */
    @CoroutineFn
    void simple(long handle, int nbdError, ByteBuffer data) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Wire.SIMPLE_REPLY_SIZE).putInt(Wire.SIMPLE_MAGIC).putInt(nbdError)
                .putLong(handle).flip();
        send(data == null ? new ByteBuffer[] {header} : new ByteBuffer[] {header, data});
    }

    /** NBD_REPLY_TYPE_NONE: the end of a structured reply with nothing more to say. */
    @CoroutineFn
    void done(long handle) throws IOException {
        send(chunk(Wire.DONE, Wire.TYPE_NONE, handle, 0).flip());
    }

    /** NBD_REPLY_TYPE_OFFSET_DATA: {@code data} is the export's content at {@code offset}. */
    @CoroutineFn
    void data(long handle, long offset, ByteBuffer data, boolean last) throws IOException {
        ByteBuffer header = chunk(last ? Wire.DONE : 0, Wire.TYPE_OFFSET_DATA, handle, 8 + data.remaining())
                .putLong(offset).flip();
        send(header, data);
    }

    /** NBD_REPLY_TYPE_OFFSET_HOLE: {@code length} bytes at {@code offset} read as zeroes (B54). */
    @CoroutineFn
    void hole(long handle, long offset, int length, boolean last) throws IOException {
        send(chunk(last ? Wire.DONE : 0, Wire.TYPE_OFFSET_HOLE, handle, 12).putLong(offset).putInt(length).flip());
    }

    /** NBD_REPLY_TYPE_ERROR, always the last chunk. */
    @CoroutineFn
    void error(long handle, int nbdError, String message) throws IOException {
        byte[] text = message == null ? new byte[0] : message.getBytes(StandardCharsets.UTF_8);
        int len = Math.min(text.length, Wire.MAX_STRING);
        ByteBuffer header = chunk(Wire.DONE, Wire.TYPE_ERROR, handle, 6 + len).putInt(nbdError)
                .putShort((short) len).flip();
        send(header, ByteBuffer.wrap(text, 0, len));
    }

    /** NBD_REPLY_TYPE_BLOCK_STATUS for one metadata context. */
    @CoroutineFn
    void blockStatus(long handle, int contextId, ExtentList extents, boolean last) throws IOException {
        ByteBuffer body = extents.encode();
        ByteBuffer header = chunk(last ? Wire.DONE : 0, Wire.TYPE_BLOCK_STATUS, handle, 4 + body.remaining())
                .putInt(contextId).flip();
        send(header, body);
    }

    /** A chunk header, with room for the fixed fields of the payload that follow it. */
    private static ByteBuffer chunk(int flags, int type, long handle, int length) {
        return ByteBuffer.allocate(Wire.CHUNK_HEADER_SIZE + 16).putInt(Wire.STRUCTURED_MAGIC).putShort((short) flags)
                .putShort((short) type).putLong(handle).putInt(length);
    }

    @CoroutineFn
    private void send(ByteBuffer... parts) throws IOException {
        sendLock.lock();
        try {
            io.write(parts);
        } finally {
            sendLock.unlock();
        }
    }
}
