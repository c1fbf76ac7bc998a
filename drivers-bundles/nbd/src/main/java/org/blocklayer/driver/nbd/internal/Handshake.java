package org.blocklayer.driver.nbd.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * The client side of the fixed newstyle negotiation ({@code nbd_receive_negotiate}, nbd/client.c): greeting and
 * flags, {@code NBD_OPT_STRUCTURED_REPLY} (simple replies when the server declines), then {@code NBD_OPT_GO} asking
 * for {@code NBD_INFO_BLOCK_SIZE}, falling back to {@code NBD_OPT_EXPORT_NAME} on servers without it. Only the
 * server's bytes decide the outcome, so the whole exchange runs over a {@link HandshakeIo} that tests and the
 * fuzzer feed from a buffer.
 *
 * <p>Outcomes: an {@link ExportInfo}; a {@link BlockException} when the server refuses in a well-formed way
 * (unknown export → ENOENT, policy → EPERM, TLS required → EPERM, ...), after an {@code NBD_OPT_ABORT}; an
 * {@link NbdProtocolException} when its bytes break the protocol; an {@link IOException} from the stream.
 */
final class Handshake {
    /** Largest option reply payload read into memory; anything bigger is hostile (strings are at most 4 KiB). */
    static final int MAX_OPTION_REPLY = 64 * 1024;

    private final HandshakeIo io;
    private final String export;
    private final String server;
    private boolean noZeroes;

    Handshake(HandshakeIo io, String export, String server) {
        this.io = io;
        this.export = export;
        this.server = server;
    }

    ExportInfo negotiate() throws IOException, BlockException, NbdProtocolException {
        long magic = readLong();
        if (magic != Nbd.INIT_MAGIC) {
            throw new NbdProtocolException(String.format("bad initial magic 0x%016x (expected NBDMAGIC)", magic));
        }
        magic = readLong();
        if (magic == Nbd.OLDSTYLE_MAGIC) {
            throw new BlockException(Errno.ENOTSUP, "server " + server + " speaks only the oldstyle negotiation, "
                    + "which the nbd driver does not support");
        }
        if (magic != Nbd.OPTS_MAGIC) {
            throw new NbdProtocolException(String.format("bad magic 0x%016x after NBDMAGIC (expected IHAVEOPT)",
                    magic));
        }
        int serverFlags = readShort();
        if ((serverFlags & Nbd.FLAG_FIXED_NEWSTYLE) == 0) {
            throw new BlockException(Errno.ENOTSUP, "server " + server
                    + " does not support the fixed newstyle negotiation");
        }
        noZeroes = (serverFlags & Nbd.FLAG_NO_ZEROES) != 0;
        io.write(ByteBuffer.allocate(4).putInt(Nbd.FLAG_C_FIXED_NEWSTYLE | (noZeroes ? Nbd.FLAG_C_NO_ZEROES : 0))
                .flip());
        boolean structured = structuredReplies();
        ExportInfo info = go(structured);
        return info != null ? info : exportName(structured);
    }

    /** {@code NBD_OPT_STRUCTURED_REPLY}: true on ACK; a refusal means simple replies. */
    private boolean structuredReplies() throws IOException, BlockException, NbdProtocolException {
        sendOption(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
        OptionReply reply = readReply(Nbd.OPT_STRUCTURED_REPLY);
        if (reply.type == Nbd.REP_ACK) {
            expectEmpty(reply);
            return true;
        }
        if (reply.type == Nbd.REP_ERR_TLS_REQD || reply.type == Nbd.REP_ERR_SHUTDOWN) {
            throw refused(reply);
        }
        if ((reply.type & Nbd.REP_FLAG_ERROR) == 0) {
            throw new NbdProtocolException("unexpected reply type " + Integer.toUnsignedString(reply.type)
                    + " to NBD_OPT_STRUCTURED_REPLY");
        }
        return false;
    }

    /** {@code nbd_opt_info_or_go}: the export's info, or null when the server does not know NBD_OPT_GO. */
    private ExportInfo go(boolean structured) throws IOException, BlockException, NbdProtocolException {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2 + 2);
        data.putInt(name.length).put(name).putShort((short) 1).putShort((short) Nbd.INFO_BLOCK_SIZE);
        sendOption(Nbd.OPT_GO, data.array());
        long size = -1;
        int flags = 0;
        int min = 1;
        int pref = 4096;
        int max = -1;
        for (;;) {
            OptionReply reply = readReply(Nbd.OPT_GO);
            if (reply.type == Nbd.REP_ACK) {
                expectEmpty(reply);
                if (size < 0) {
                    throw new NbdProtocolException("server acknowledged NBD_OPT_GO without sending NBD_INFO_EXPORT");
                }
                return new ExportInfo(size, flags, min, pref, max, structured);
            }
            if (reply.type == Nbd.REP_ERR_UNSUP) {
                return null;
            }
            if ((reply.type & Nbd.REP_FLAG_ERROR) != 0) {
                throw refused(reply);
            }
            if (reply.type != Nbd.REP_INFO) {
                throw new NbdProtocolException("unexpected reply type " + reply.type + " to NBD_OPT_GO");
            }
            ByteBuffer p = reply.payload;
            if (p.remaining() < 2) {
                throw new NbdProtocolException("NBD_REP_INFO of " + p.remaining() + " bytes has no info type");
            }
            int infoType = Short.toUnsignedInt(p.getShort());
            if (infoType == Nbd.INFO_EXPORT) {
                expectLength(reply, 12, "NBD_INFO_EXPORT");
                size = exportSize(p.getLong());
                flags = Short.toUnsignedInt(p.getShort());
            } else if (infoType == Nbd.INFO_BLOCK_SIZE) {
                expectLength(reply, 14, "NBD_INFO_BLOCK_SIZE");
                min = p.getInt();
                pref = p.getInt();
                max = p.getInt();
                checkBlockSizes(min, pref, max);
            }
            // NBD_INFO_NAME, NBD_INFO_DESCRIPTION and unknown types: ignored, as the protocol asks.
        }
    }

    /** The fallback {@code NBD_OPT_EXPORT_NAME}: size, flags, and 124 zeroes unless NO_ZEROES was agreed. */
    private ExportInfo exportName(boolean structured) throws IOException, NbdProtocolException {
        sendOption(Nbd.OPT_EXPORT_NAME, export.getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.allocate(noZeroes ? 10 : 134);
        io.readFully(b);
        b.flip();
        long size = exportSize(b.getLong());
        int flags = Short.toUnsignedInt(b.getShort());
        return new ExportInfo(size, flags, 1, 4096, -1, structured);
    }

    /** Sends {@code NBD_OPT_ABORT}, best effort: the connection is dropped right after. */
    void abort() {
        try {
            sendOption(Nbd.OPT_ABORT, new byte[0]);
        } catch (IOException e) {
            // The server may have gone already; the caller closes the socket either way.
        }
    }

    private void sendOption(int option, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + data.length);
        b.putLong(Nbd.OPTS_MAGIC).putInt(option).putInt(data.length).put(data).flip();
        io.write(b);
    }

    private OptionReply readReply(int option) throws IOException, NbdProtocolException {
        ByteBuffer h = ByteBuffer.allocate(20);
        io.readFully(h);
        h.flip();
        long magic = h.getLong();
        if (magic != Nbd.REP_MAGIC) {
            throw new NbdProtocolException(String.format("bad option reply magic 0x%016x", magic));
        }
        int replyOption = h.getInt();
        if (replyOption != option) {
            throw new NbdProtocolException("reply to option " + Integer.toUnsignedString(replyOption)
                    + " while waiting for option " + option);
        }
        int type = h.getInt();
        long length = Integer.toUnsignedLong(h.getInt());
        if (length > MAX_OPTION_REPLY) {
            throw new NbdProtocolException("option reply of " + length + " bytes is larger than the "
                    + MAX_OPTION_REPLY + " bytes allowed");
        }
        ByteBuffer payload = ByteBuffer.allocate((int) length);
        io.readFully(payload);
        return new OptionReply(type, payload.flip());
    }

    /** {@code nbd_handle_reply_err}: a refusal as a BlockException naming export and server. */
    private BlockException refused(OptionReply reply) {
        String said = reply.payload.hasRemaining() ? " (server says: " + text(reply.payload, Nbd.MAX_STRING) + ")" : "";
        String what = "export '" + export + "' on server " + server;
        BlockException e = switch (reply.type) {
            case Nbd.REP_ERR_UNKNOWN -> new BlockException(Errno.ENOENT,
                    "export '" + export + "' not available on server " + server + said);
            case Nbd.REP_ERR_POLICY -> new BlockException(Errno.EPERM, "server " + server
                    + " refused access to export '" + export + "' by policy" + said);
            case Nbd.REP_ERR_INVALID -> new BlockException(Errno.EINVAL, "server " + server
                    + " found the request for export '" + export + "' invalid" + said);
            case Nbd.REP_ERR_PLATFORM -> new BlockException(Errno.ENOTSUP, "server " + server
                    + " does not support this on its platform, " + what + said);
            case Nbd.REP_ERR_TLS_REQD -> new BlockException(Errno.EPERM, "server " + server
                    + " requires TLS for export '" + export + "', and the nbd driver does not support TLS" + said);
            case Nbd.REP_ERR_SHUTDOWN -> new BlockException(Errno.ESHUTDOWN, "server " + server
                    + " is shutting down, " + what + said);
            case Nbd.REP_ERR_BLOCK_SIZE_REQD -> new BlockException(Errno.EINVAL, "server " + server
                    + " wants block size negotiation for export '" + export + "'" + said);
            case Nbd.REP_ERR_TOO_BIG -> new BlockException(Errno.EINVAL, "server " + server
                    + " found the request too big, " + what + said);
            default -> new BlockException(Errno.EINVAL, "server " + server + " refused " + what + " with error 0x"
                    + Integer.toHexString(reply.type) + said);
        };
        abort();
        return e;
    }

    private static void checkBlockSizes(int min, int pref, int max) throws NbdProtocolException {
        if (min <= 0 || Integer.bitCount(min) != 1 || min > 65536) {
            throw new NbdProtocolException("server minimum block size " + Integer.toUnsignedString(min)
                    + " is not a power of two up to 65536");
        }
        if (pref <= 0 || Integer.bitCount(pref) != 1 || pref < min) {
            throw new NbdProtocolException("server preferred block size " + Integer.toUnsignedString(pref)
                    + " is not a power of two at least the minimum " + min);
        }
        if (max != -1 && (Integer.toUnsignedLong(max) < min || Integer.toUnsignedLong(max) % min != 0)) {
            throw new NbdProtocolException("server maximum block size " + Integer.toUnsignedString(max)
                    + " is not a multiple of the minimum " + min);
        }
    }

    private static long exportSize(long size) throws NbdProtocolException {
        if (size < 0) {
            throw new NbdProtocolException("export size " + Long.toUnsignedString(size) + " is too large");
        }
        return size;
    }

    private static void expectEmpty(OptionReply reply) throws NbdProtocolException {
        if (reply.payload.hasRemaining()) {
            throw new NbdProtocolException("NBD_REP_ACK with " + reply.payload.remaining() + " bytes of payload");
        }
    }

    private static void expectLength(OptionReply reply, int length, String what) throws NbdProtocolException {
        if (reply.payload.limit() != length) {
            throw new NbdProtocolException(what + " of " + reply.payload.limit() + " bytes, expected " + length);
        }
    }

    private long readLong() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8);
        io.readFully(b);
        return b.flip().getLong();
    }

    private int readShort() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2);
        io.readFully(b);
        return Short.toUnsignedInt(b.flip().getShort());
    }

    /** A server string for a message: UTF-8, cut at {@code max} bytes, control characters replaced. */
    static String text(ByteBuffer b, int max) {
        byte[] bytes = new byte[Math.min(b.remaining(), max)];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
    }

    private record OptionReply(int type, ByteBuffer payload) {
    }
}
