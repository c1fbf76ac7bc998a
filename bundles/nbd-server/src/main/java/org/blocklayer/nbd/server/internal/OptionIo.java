package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.blocklayer.api.annotation.CoroutineFn;

/**
 * The option being negotiated and the replies to it (the {@code client->opt}/{@code client->optlen} part of QEMU's
 * NBDClient with {@code nbd_opt_read}, {@code nbd_opt_drop}, {@code nbd_negotiate_send_rep*}): reads never go past
 * the option's stated length, and a reply always names the option it answers.
 */
final class OptionIo {
    /**
     * The option was answered with an error and its rest dropped: negotiation goes on with the next one (QEMU's
     * return value 0).
     */
    static final class Rejected extends Exception {
        Rejected() {
            super(null, null, false, false);
        }
    }

    private final ChannelIo io;
    private int option;
    private long left;

    OptionIo(ChannelIo io) {
        this.io = io;
    }

    /** A new option starts: {@code length} bytes of data follow its header. */
    void begin(int option, long length) {
        this.option = option;
        this.left = length;
    }

    int option() {
        return option;
    }

    /** Bytes of the option's data not read yet. */
    long left() {
        return left;
    }

    /** {@code nbd_opt_read}: {@code n} bytes of the option, or INVALID when the option is shorter than that. */
    @CoroutineFn
    ByteBuffer read(int n) throws IOException, Rejected {
        if (n > left) {
            throw invalid("Inconsistent lengths in option " + Wire.Option.name(option));
        }
        left -= n;
        ByteBuffer b = ByteBuffer.allocate(n);
        io.readFully(b, false);
        return b.flip();
    }

    @CoroutineFn
    int readInt() throws IOException, Rejected {
        return read(4).getInt();
    }

    /** {@code nbd_opt_read_name}: a 32-bit length then that many bytes, at most 4096, without NUL. */
    @CoroutineFn
    String readName() throws IOException, Rejected {
        long len = Integer.toUnsignedLong(readInt());
        if (len > Wire.MAX_STRING) {
            throw invalid("Invalid name length: " + len);
        }
        return readString((int) len);
    }

    /** {@code len} bytes as a string; an embedded NUL is INVALID. */
    @CoroutineFn
    String readString(int len) throws IOException, Rejected {
        ByteBuffer b = read(len);
        for (int i = 0; i < len; i++) {
            if (b.get(i) == 0) {
                throw invalid("Unexpected embedded NUL in option " + Wire.Option.name(option));
            }
        }
        return StandardCharsets.UTF_8.decode(b).toString();
    }

    /** {@code nbd_opt_skip}. */
    @CoroutineFn
    void skip(long n) throws IOException, Rejected {
        if (n > left) {
            throw invalid("Inconsistent lengths in option " + Wire.Option.name(option));
        }
        left -= n;
        io.skip(n);
    }

    /** {@code nbd_opt_invalid}: drops the rest, answers NBD_REP_ERR_INVALID with {@code message}. */
    @CoroutineFn
    Rejected invalid(String message) throws IOException {
        return drop(Wire.REP_ERR_INVALID, message);
    }

    /** {@code nbd_opt_drop}: drops the rest of the option, then answers it with error {@code type}. */
    @CoroutineFn
    Rejected drop(int type, String message) throws IOException {
        long rest = left;
        left = 0;
        io.skip(rest);
        error(type, message);
        return new Rejected();
    }

    /** {@code nbd_negotiate_send_rep_err}: an error reply with a message, the option's data already consumed. */
    @CoroutineFn
    void error(int type, String message) throws IOException {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        reply(type, ByteBuffer.wrap(text, 0, Math.min(text.length, Wire.MAX_STRING - 1)));
    }

    /** {@code nbd_negotiate_send_rep_len}: the reply header for this option, then {@code payload}. */
    @CoroutineFn
    void reply(int type, ByteBuffer... payload) throws IOException {
        int length = 0;
        for (ByteBuffer p : payload) {
            length += p.remaining();
        }
        ByteBuffer header = ByteBuffer.allocate(20).putLong(Wire.REPLY_MAGIC).putInt(option).putInt(type)
                .putInt(length).flip();
        ByteBuffer[] parts = new ByteBuffer[payload.length + 1];
        parts[0] = header;
        System.arraycopy(payload, 0, parts, 1, payload.length);
        io.write(parts);
    }

    /** {@code nbd_negotiate_send_info}: one NBD_REP_INFO of type {@code info}. */
    @CoroutineFn
    void info(int info, ByteBuffer body) throws IOException {
        reply(Wire.REP_INFO, ByteBuffer.allocate(2).putShort((short) info).flip(), body);
    }

    /** {@code nbd_reject_length}: the option had data it should not have. */
    @CoroutineFn
    Rejected unexpectedLength() throws IOException {
        return invalid("option '" + Wire.Option.name(option) + "' has unexpected length");
    }
}
