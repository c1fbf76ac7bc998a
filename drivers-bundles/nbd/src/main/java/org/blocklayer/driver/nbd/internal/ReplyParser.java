package org.blocklayer.driver.nbd.internal;

import java.nio.ByteBuffer;

/**
 * Parses the server's side of the transmission phase, byte by byte as it arrives ({@code nbd_receive_reply},
 * {@code nbd_co_receive_one_chunk} and the chunk payload parsers of block/nbd.c): simple replies, structured reply
 * chunks ({@code OFFSET_DATA}, {@code OFFSET_HOLE}, {@code NONE}, {@code ERROR}, {@code ERROR_OFFSET}) and read
 * payloads, which go straight into the request's buffer. A pure state machine: it owns no socket, so tests and the
 * fuzzer drive it with any bytes.
 *
 * <p>Every violation (wrong magic, unknown cookie, a chunk type the request cannot have, data outside the request,
 * overlapping or missing data, an oversized chunk) is an {@link NbdProtocolException}; after one the parser must
 * not be fed again.
 */
final class ReplyParser {
    /** Largest non-data chunk payload accepted: an error chunk with a 4 KiB message and some slack. */
    static final int MAX_SMALL_PAYLOAD = 8192;
    private static final byte[] ZEROES = new byte[64 * 1024];

    /** The requests in flight, as the parser sees them. */
    interface Table {
        /** The request with that cookie, or null when none is in flight. */
        NbdRequest lookup(long cookie);

        /** The reply of {@code r} is complete; it must leave the table. */
        void completed(NbdRequest r);
    }

    private enum State { HEADER, CHUNK_PAYLOAD, DATA }

    private final Table table;
    private final boolean structured;
    private final ByteBuffer header = ByteBuffer.allocate(Nbd.CHUNK_HEADER_SIZE);
    private State state = State.HEADER;
    private NbdRequest current;
    private boolean simple;
    private int chunkFlags;
    private int chunkType;
    private long chunkLength;
    private ByteBuffer payload;
    private ByteBuffer data;

    ReplyParser(Table table, boolean structured) {
        this.table = table;
        this.structured = structured;
        header.limit(4);
    }

    /** Consumes all of {@code in}. */
    void feed(ByteBuffer in) throws NbdProtocolException {
        while (in.hasRemaining()) {
            switch (state) {
                case HEADER -> {
                    copy(in, header);
                    if (!header.hasRemaining()) {
                        headerFilled();
                    }
                }
                case CHUNK_PAYLOAD -> {
                    copy(in, payload);
                    if (!payload.hasRemaining()) {
                        payloadFilled();
                    }
                }
                case DATA -> {
                    copy(in, data);
                    if (!data.hasRemaining()) {
                        dataFilled();
                    }
                }
            }
        }
    }

    /**
     * While read data is expected, the part of the request's buffer it goes to: the caller may read the socket
     * straight into it and then call {@link #directFilled()}. Null otherwise.
     */
    ByteBuffer directTarget() {
        return state == State.DATA ? data : null;
    }

    void directFilled() throws NbdProtocolException {
        if (state == State.DATA && !data.hasRemaining()) {
            dataFilled();
        }
    }

    /** True between messages: nothing of a reply has been received but not yet parsed. */
    boolean idle() {
        return state == State.HEADER && header.position() == 0;
    }

    private void headerFilled() throws NbdProtocolException {
        if (header.limit() == 4) {
            int magic = header.getInt(0);
            if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
                header.limit(Nbd.SIMPLE_REPLY_SIZE);
            } else if (magic == Nbd.STRUCTURED_REPLY_MAGIC) {
                if (!structured) {
                    throw new NbdProtocolException("structured reply chunk although structured replies were not "
                            + "negotiated");
                }
                header.limit(Nbd.CHUNK_HEADER_SIZE);
            } else {
                throw new NbdProtocolException(String.format("bad reply magic 0x%08x", magic));
            }
            return;
        }
        header.flip();
        header.getInt();
        if (header.limit() == Nbd.SIMPLE_REPLY_SIZE) {
            simpleHeader(header.getInt(), header.getLong());
        } else {
            int flags = Short.toUnsignedInt(header.getShort());
            int type = Short.toUnsignedInt(header.getShort());
            long cookie = header.getLong();
            chunkHeader(flags, type, cookie, Integer.toUnsignedLong(header.getInt()));
        }
    }

    private void simpleHeader(int error, long cookie) throws NbdProtocolException {
        current = lookup(cookie);
        simple = true;
        if (structured && current.type() == Nbd.CMD_READ) {
            throw new NbdProtocolException("simple reply to a read (cookie " + cookie + ") although structured "
                    + "replies were negotiated");
        }
        if (error != 0) {
            current.serverError(error, null);
            finishReply();
        } else if (current.type() == Nbd.CMD_READ && current.length() > 0) {
            data = current.data().duplicate().position(0).limit(current.length());
            state = State.DATA;
        } else {
            finishReply();
        }
    }

    private void chunkHeader(int flags, int type, long cookie, long length) throws NbdProtocolException {
        current = lookup(cookie);
        simple = false;
        chunkFlags = flags;
        chunkType = type;
        chunkLength = length;
        boolean read = current.type() == Nbd.CMD_READ;
        switch (type) {
            case Nbd.REPLY_TYPE_NONE -> {
                if (length != 0) {
                    throw violation("NBD_REPLY_TYPE_NONE chunk with " + length + " bytes of payload");
                }
                if ((flags & Nbd.REPLY_FLAG_DONE) == 0) {
                    throw violation("NBD_REPLY_TYPE_NONE chunk without NBD_REPLY_FLAG_DONE");
                }
                finishChunk();
            }
            case Nbd.REPLY_TYPE_OFFSET_DATA -> {
                if (!read) {
                    throw violation("data chunk in the reply to a " + Nbd.commandName(current.type()));
                }
                if (length < 9) {
                    throw violation("data chunk of " + length + " bytes (at least 9 needed)");
                }
                expectPayload(8);
            }
            case Nbd.REPLY_TYPE_OFFSET_HOLE -> {
                if (!read) {
                    throw violation("hole chunk in the reply to a " + Nbd.commandName(current.type()));
                }
                if (length != 12) {
                    throw violation("hole chunk of " + length + " bytes (12 expected)");
                }
                expectPayload(12);
            }
            default -> {
                if ((type & Nbd.REPLY_TYPE_ERROR_BIT) == 0) {
                    throw violation("unknown reply chunk type " + type);
                }
                int min = type == Nbd.REPLY_TYPE_ERROR_OFFSET ? 14 : 6;
                if (length < min) {
                    throw violation("error chunk of " + length + " bytes (at least " + min + " needed)");
                }
                if (length > MAX_SMALL_PAYLOAD) {
                    throw violation("error chunk of " + length + " bytes is larger than the " + MAX_SMALL_PAYLOAD
                            + " bytes allowed");
                }
                expectPayload((int) length);
            }
        }
    }

    private void payloadFilled() throws NbdProtocolException {
        payload.flip();
        switch (chunkType) {
            case Nbd.REPLY_TYPE_OFFSET_DATA -> {
                long offset = payload.getLong();
                long size = chunkLength - 8;
                int at = claim(offset, size, "data");
                data = current.data().duplicate().position(at).limit(at + (int) size);
                state = State.DATA;
            }
            case Nbd.REPLY_TYPE_OFFSET_HOLE -> {
                long offset = payload.getLong();
                long size = Integer.toUnsignedLong(payload.getInt());
                if (size == 0) {
                    throw violation("hole chunk of size 0");
                }
                int at = claim(offset, size, "hole");
                zero(current.data(), at, (int) size);
                finishChunk();
            }
            default -> {
                int error = payload.getInt();
                int messageLength = Short.toUnsignedInt(payload.getShort());
                int fixed = chunkType == Nbd.REPLY_TYPE_ERROR_OFFSET ? 14 : 6;
                if (messageLength > chunkLength - fixed) {
                    throw violation("error message of " + messageLength + " bytes does not fit its " + chunkLength
                            + "-byte chunk");
                }
                if (error == 0) {
                    throw violation("error chunk with error value 0");
                }
                String message = Handshake.text(payload.slice(payload.position(), messageLength), messageLength);
                if (chunkType == Nbd.REPLY_TYPE_ERROR_OFFSET) {
                    long offset = payload.getLong(payload.position() + messageLength);
                    if (offset - current.offset() < 0 || offset - current.offset() >= Math.max(1, current.length())) {
                        throw violation("error offset " + Long.toUnsignedString(offset) + " outside the request");
                    }
                }
                current.serverError(error, message.isEmpty() ? null : message);
                finishChunk();
            }
        }
    }

    private void dataFilled() throws NbdProtocolException {
        data = null;
        if (simple) {
            finishReply();
        } else {
            finishChunk();
        }
    }

    /**
     * Checks that {@code [offset, offset + size)} lies inside the current read and overlaps nothing received
     * before; returns its position in the request's buffer.
     */
    private int claim(long offset, long size, String what) throws NbdProtocolException {
        long rel = offset - current.offset();
        if (offset < 0 || rel < 0 || rel > current.length() || size > current.length() - rel) {
            throw violation(what + " chunk [" + Long.toUnsignedString(offset) + ", +" + size
                    + ") outside the request " + current.describe());
        }
        if (!current.coverage().add(rel, size)) {
            throw violation(what + " chunk at offset " + offset + " overlaps data received before");
        }
        return (int) rel;
    }

    private void finishChunk() throws NbdProtocolException {
        if ((chunkFlags & Nbd.REPLY_FLAG_DONE) == 0) {
            reset();
            return;
        }
        if (current.serverErrorValue() == 0 && current.type() == Nbd.CMD_READ
                && current.coverage().total() != current.length()) {
            throw violation("successful read reply covered " + current.coverage().total() + " of "
                    + current.length() + " bytes");
        }
        finishReply();
    }

    private void finishReply() {
        NbdRequest done = current;
        reset();
        table.completed(done);
    }

    private void reset() {
        current = null;
        payload = null;
        data = null;
        state = State.HEADER;
        header.clear().limit(4);
    }

    private void expectPayload(int size) {
        payload = ByteBuffer.allocate(size);
        state = State.CHUNK_PAYLOAD;
    }

    private NbdRequest lookup(long cookie) throws NbdProtocolException {
        NbdRequest r = table.lookup(cookie);
        if (r == null) {
            throw new NbdProtocolException("reply for unknown cookie " + Long.toUnsignedString(cookie));
        }
        return r;
    }

    private NbdProtocolException violation(String what) {
        return new NbdProtocolException(what + " (cookie " + Long.toUnsignedString(current.cookie()) + ")");
    }

    private static void copy(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        to.put(to.position(), from, from.position(), n);
        to.position(to.position() + n);
        from.position(from.position() + n);
    }

    private static void zero(ByteBuffer buf, int at, int size) {
        for (int done = 0; done < size; ) {
            int n = Math.min(ZEROES.length, size - done);
            buf.put(at + done, ZEROES, 0, n);
            done += n;
        }
    }
}
