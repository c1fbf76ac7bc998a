package org.blocklayer.driver.nbd.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The server's side of the protocol as bytes, built by hand from proto.md: for unit tests, corpus and fakes. */
final class ServerBytes {
    private ServerBytes() {
    }

    static byte[] greeting(int handshakeFlags) {
        return ByteBuffer.allocate(18).putLong(Nbd.INIT_MAGIC).putLong(Nbd.OPTS_MAGIC)
                .putShort((short) handshakeFlags).array();
    }

    static byte[] optionReply(int option, int type, byte[] data) {
        return ByteBuffer.allocate(20 + data.length).putLong(Nbd.REP_MAGIC).putInt(option).putInt(type)
                .putInt(data.length).put(data).array();
    }

    static byte[] ack(int option) {
        return optionReply(option, Nbd.REP_ACK, new byte[0]);
    }

    static byte[] infoExport(long size, int transmissionFlags) {
        return optionReply(Nbd.OPT_GO, Nbd.REP_INFO, ByteBuffer.allocate(12).putShort((short) Nbd.INFO_EXPORT)
                .putLong(size).putShort((short) transmissionFlags).array());
    }

    static byte[] infoBlockSize(int min, int pref, int max) {
        return optionReply(Nbd.OPT_GO, Nbd.REP_INFO, ByteBuffer.allocate(14)
                .putShort((short) Nbd.INFO_BLOCK_SIZE).putInt(min).putInt(pref).putInt(max).array());
    }

    static byte[] error(int option, int type, String message) {
        return optionReply(option, type, message.getBytes(StandardCharsets.UTF_8));
    }

    /** A complete fixed-newstyle handshake with structured replies and NBD_OPT_GO. */
    static byte[] handshake(long size, int transmissionFlags) {
        return concat(greeting(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES), ack(Nbd.OPT_STRUCTURED_REPLY),
                infoExport(size, transmissionFlags), infoBlockSize(1, 4096, 32 << 20), ack(Nbd.OPT_GO));
    }

    static byte[] simpleReply(int error, long cookie, byte[] data) {
        return ByteBuffer.allocate(16 + data.length).putInt(Nbd.SIMPLE_REPLY_MAGIC).putInt(error).putLong(cookie)
                .put(data).array();
    }

    static byte[] chunk(int flags, int type, long cookie, byte[] payload) {
        return ByteBuffer.allocate(20 + payload.length).putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) flags)
                .putShort((short) type).putLong(cookie).putInt(payload.length).put(payload).array();
    }

    static byte[] data(boolean done, long cookie, long offset, byte[] data) {
        return chunk(done ? Nbd.REPLY_FLAG_DONE : 0, Nbd.REPLY_TYPE_OFFSET_DATA, cookie,
                ByteBuffer.allocate(8 + data.length).putLong(offset).put(data).array());
    }

    static byte[] hole(boolean done, long cookie, long offset, int size) {
        return chunk(done ? Nbd.REPLY_FLAG_DONE : 0, Nbd.REPLY_TYPE_OFFSET_HOLE, cookie,
                ByteBuffer.allocate(12).putLong(offset).putInt(size).array());
    }

    static byte[] none(long cookie) {
        return chunk(Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, cookie, new byte[0]);
    }

    static byte[] errorChunk(boolean done, long cookie, int error, String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        return chunk(done ? Nbd.REPLY_FLAG_DONE : 0, Nbd.REPLY_TYPE_ERROR, cookie,
                ByteBuffer.allocate(6 + m.length).putInt(error).putShort((short) m.length).put(m).array());
    }

    static byte[] errorOffsetChunk(boolean done, long cookie, int error, String message, long offset) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        return chunk(done ? Nbd.REPLY_FLAG_DONE : 0, Nbd.REPLY_TYPE_ERROR_OFFSET, cookie,
                ByteBuffer.allocate(14 + m.length).putInt(error).putShort((short) m.length).put(m).putLong(offset)
                        .array());
    }

    static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
