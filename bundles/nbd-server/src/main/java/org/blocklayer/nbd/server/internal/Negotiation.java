package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.blocklayer.api.annotation.CoroutineFn;

/**
 * Fixed newstyle negotiation ({@code nbd_negotiate}, {@code nbd_negotiate_options}): the greeting, the client's
 * flags, then options until NBD_OPT_GO or NBD_OPT_EXPORT_NAME chooses an export. An option the server can answer
 * with an error is answered and negotiation goes on (B52: an unknown export for GO or INFO); what leaves no way to
 * answer (bad magic, unknown client flags, an option over 32 MiB, an unknown export for EXPORT_NAME) drops the
 * connection. Runs as a coroutine in the main loop, where the export table lives.
 */
final class Negotiation {
    private final ChannelIo io;
    private final OptionIo opt;
    private final ExportTable exports;
    private final MetaContexts meta = new MetaContexts();
    private boolean structured;

    Negotiation(ChannelIo io, ExportTable exports) {
        this.io = io;
        this.opt = new OptionIo(io);
        this.exports = exports;
    }

    /** The client's choice, or null when it sent NBD_OPT_ABORT. */
    @CoroutineFn
    Negotiated run() throws IOException, HandshakeFailed {
        io.write(ByteBuffer.allocate(18).putLong(Wire.PASSWD).putLong(Wire.OPTS_MAGIC)
                .putShort((short) (Wire.FIXED_NEWSTYLE | Wire.NO_ZEROES)).flip());
        int flags = readInt();
        boolean fixed = (flags & Wire.FIXED_NEWSTYLE) != 0;
        boolean noZeroes = (flags & Wire.NO_ZEROES) != 0;
        if ((flags & ~(Wire.FIXED_NEWSTYLE | Wire.NO_ZEROES)) != 0) {
            throw new HandshakeFailed(String.format("Unknown client flags 0x%x received",
                    flags & ~(Wire.FIXED_NEWSTYLE | Wire.NO_ZEROES)));
        }
        for (;;) {
            ByteBuffer header = ByteBuffer.allocate(16);
            io.readFully(header, false);
            header.flip();
            if (header.getLong() != Wire.OPTS_MAGIC) {
                throw new HandshakeFailed("Bad magic received");
            }
            int option = header.getInt();
            long length = Integer.toUnsignedLong(header.getInt());
            if (length > Wire.MAX_BUFFER) {
                throw new HandshakeFailed("len (" + length + ") is larger than max len (" + Wire.MAX_BUFFER + ")");
            }
            opt.begin(option, length);
            Wire.Option known = Wire.Option.of(option);
            if (!fixed && known != Wire.Option.EXPORT_NAME) {
                throw new HandshakeFailed("Unsupported option " + Integer.toUnsignedString(option) + " ("
                        + Wire.Option.name(option) + ")");
            }
            try {
                if (known == Wire.Option.ABORT) {
                    acknowledgeAbort();
                    return null;
                }
                if (known == Wire.Option.EXPORT_NAME) {
                    return exportName(noZeroes);
                }
                Negotiated chosen = answer(known);
                if (chosen != null) {
                    return chosen;
                }
            } catch (OptionIo.Rejected answeredWithAnError) {
                // Replied to; the client may try something else.
            }
        }
    }

    /** Every option that keeps the handshake going; GO returns the client's choice. */
    @CoroutineFn
    private Negotiated answer(Wire.Option option) throws IOException, OptionIo.Rejected {
        if (option == null || option == Wire.Option.PEEK_EXPORT) {
            throw opt.drop(Wire.REP_ERR_UNSUP, "Unsupported option " + Integer.toUnsignedString(opt.option()) + " ("
                    + Wire.Option.name(opt.option()) + ")");
        }
        switch (option) {
            case LIST -> list();
            case INFO, GO -> {
                return info(option == Wire.Option.GO);
            }
            case STARTTLS -> {
                requireEmpty();
                opt.error(Wire.REP_ERR_POLICY, "TLS not configured");
            }
            case STRUCTURED_REPLY -> {
                requireEmpty();
                if (structured) {
                    opt.error(Wire.REP_ERR_INVALID, "structured reply already negotiated");
                } else {
                    opt.reply(Wire.REP_ACK);
                    structured = true;
                }
            }
            case LIST_META_CONTEXT, SET_META_CONTEXT -> meta.answer(opt, exports, option, structured);
            default -> throw new IllegalStateException("option " + option + " reached answer()");
        }
        return null;
    }

    /** NBD_OPT_ABORT: the spec wants an answer, and tolerates a client that does not wait for it. */
    @CoroutineFn
    private void acknowledgeAbort() {
        try {
            opt.skip(opt.left());
            opt.reply(Wire.REP_ACK);
        } catch (IOException | OptionIo.Rejected e) {
            // The client hung up first.
        }
    }

    @CoroutineFn
    private void requireEmpty() throws IOException, OptionIo.Rejected {
        if (opt.left() != 0) {
            throw opt.unexpectedLength();
        }
    }

    /** {@code nbd_negotiate_handle_list}: one NBD_REP_SERVER per export, with its description, then ACK (B52). */
    @CoroutineFn
    private void list() throws IOException, OptionIo.Rejected {
        requireEmpty();
        for (NbdExport e : exports.all()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] text = e.description() == null ? new byte[0] : e.description().getBytes(StandardCharsets.UTF_8);
            opt.reply(Wire.REP_SERVER, ByteBuffer.allocate(4).putInt(name.length).flip(), ByteBuffer.wrap(name),
                    ByteBuffer.wrap(text));
        }
        opt.reply(Wire.REP_ACK);
    }

    /** {@code nbd_negotiate_handle_export_name}: no way to answer an error, so an unknown name disconnects (B52). */
    @CoroutineFn
    private Negotiated exportName(boolean noZeroes) throws IOException, HandshakeFailed {
        if (opt.left() > Wire.MAX_STRING) {
            throw new HandshakeFailed("Bad length received");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) opt.left());
        io.readFully(raw, false);
        String name = StandardCharsets.UTF_8.decode(raw.flip()).toString();
        NbdExport export = exports.find(name);
        if (export == null) {
            throw new HandshakeFailed("export not found");
        }
        ByteBuffer reply = ByteBuffer.allocate(noZeroes ? 10 : 134).putLong(export.size())
                .putShort((short) export.flags(structured));
        io.write(reply.clear());
        return new Negotiated(export, structured, meta.selected(export));
    }

    /**
     * {@code nbd_negotiate_handle_info}: the name, the information requests, then NBD_INFO_NAME when asked,
     * DESCRIPTION when there is one, BLOCK_SIZE and EXPORT always, and ACK. For GO that ends the handshake.
     */
    @CoroutineFn
    private Negotiated info(boolean go) throws IOException, OptionIo.Rejected {
        String name = opt.readName();
        int requests = Short.toUnsignedInt(opt.read(2).getShort());
        boolean sendName = false;
        for (int i = 0; i < requests; i++) {
            sendName |= Short.toUnsignedInt(opt.read(2).getShort()) == Wire.INFO_NAME;
        }
        requireEmpty();
        NbdExport export = exports.find(name);
        if (export == null) {
            opt.error(Wire.REP_ERR_UNKNOWN, "export '" + sanitized(name) + "' not present");
            return null;
        }
        if (sendName) {
            opt.info(Wire.INFO_NAME, StandardCharsets.UTF_8.encode(name));
        }
        if (export.description() != null) {
            opt.info(Wire.INFO_DESCRIPTION, StandardCharsets.UTF_8.encode(export.description()));
        }
        // The core pads and splits any request (B48): 1 byte, QEMU's 4096, its 32 MiB bound.
        opt.info(Wire.INFO_BLOCK_SIZE, ByteBuffer.allocate(12).putInt(1).putInt(Wire.PREFERRED_BLOCK)
                .putInt(Wire.MAX_BUFFER).flip());
        opt.info(Wire.INFO_EXPORT, ByteBuffer.allocate(10).putLong(export.size())
                .putShort((short) export.flags(structured)).flip());
        opt.reply(Wire.REP_ACK);
        return go ? new Negotiated(export, structured, meta.selected(export)) : null;
    }

    /** {@code nbd_sanitize_name}: names in messages are cut after 80 characters. */
    static String sanitized(String name) {
        return name.length() < 80 ? name : name.substring(0, 80) + "...";
    }

    @CoroutineFn
    private int readInt() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4);
        io.readFully(b, false);
        return b.flip().getInt();
    }
}
