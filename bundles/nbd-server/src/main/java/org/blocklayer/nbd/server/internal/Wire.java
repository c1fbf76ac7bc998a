package org.blocklayer.nbd.server.internal;

/**
 * The numbers of the NBD protocol a server sends and checks (doc/proto.md of the NBD project, QEMU's
 * include/block/nbd.h). Everything is big-endian on the wire. Options and commands, which the server dispatches on,
 * are the enums {@link Option} and {@link Command}.
 */
final class Wire {
    private Wire() {
    }

    /** "NBDMAGIC" then "IHAVEOPT": the start of a newstyle handshake; every option repeats IHAVEOPT. */
    static final long PASSWD = 0x4e42444d41474943L;
    static final long OPTS_MAGIC = 0x49484156454f5054L;
    static final long REPLY_MAGIC = 0x0003e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_MAGIC = 0x67446698;
    static final int STRUCTURED_MAGIC = 0x668e33ef;

    /** Handshake flags, and the same bits in the client's flags. */
    static final int FIXED_NEWSTYLE = 1, NO_ZEROES = 1 << 1;

    /** Option replies; errors have bit 31 set. */
    static final int REP_ACK = 1, REP_SERVER = 2, REP_INFO = 3, REP_META_CONTEXT = 4;
    static final int REP_ERR_UNSUP = 0x80000001, REP_ERR_POLICY = 0x80000002, REP_ERR_INVALID = 0x80000003,
            REP_ERR_UNKNOWN = 0x80000006;

    /** NBD_INFO types of NBD_REP_INFO. */
    static final int INFO_EXPORT = 0, INFO_NAME = 1, INFO_DESCRIPTION = 2, INFO_BLOCK_SIZE = 3;

    /** Transmission flags (NBD_FLAG_*). */
    static final int HAS_FLAGS = 1, READ_ONLY = 1 << 1, SEND_FLUSH = 1 << 2, SEND_FUA = 1 << 3,
            SEND_TRIM = 1 << 5, SEND_WRITE_ZEROES = 1 << 6, SEND_DF = 1 << 7, CAN_MULTI_CONN = 1 << 8,
            SEND_CACHE = 1 << 10, SEND_FAST_ZERO = 1 << 11;

    /** Command flags (NBD_CMD_FLAG_*). */
    static final int FUA = 1, NO_HOLE = 1 << 1, DF = 1 << 2, REQ_ONE = 1 << 3, FAST_ZERO = 1 << 4;

    /** Structured reply chunks: the DONE flag and the chunk types. */
    static final int DONE = 1;
    static final int TYPE_NONE = 0, TYPE_OFFSET_DATA = 1, TYPE_OFFSET_HOLE = 2, TYPE_BLOCK_STATUS = 5,
            TYPE_ERROR = 0x8001;

    /** {@code base:allocation} extent flags, and the id QEMU gives that context. */
    static final int STATE_HOLE = 1, STATE_ZERO = 2;
    static final int META_BASE_ALLOCATION = 0;
    static final String BASE_ALLOCATION = "base:allocation";

    /** Sizes: a request header, a simple reply, a chunk header. */
    static final int REQUEST_SIZE = 28, SIMPLE_REPLY_SIZE = 16, CHUNK_HEADER_SIZE = 20;
    /** Longest string (names, descriptions, queries, messages). */
    static final int MAX_STRING = 4096;
    /** Longest read, write or option payload ({@code NBD_MAX_BUFFER_SIZE}). */
    static final int MAX_BUFFER = 32 * 1024 * 1024;
    /** Requests in flight per connection ({@code MAX_NBD_REQUESTS}). */
    static final int MAX_REQUESTS = 16;
    /** Extents in one block status chunk ({@code NBD_MAX_BLOCK_STATUS_EXTENTS}). */
    static final int MAX_EXTENTS = (1 << 20) / 8;
    /** What the server says its preferred block size is (QEMU hard-codes 4096). */
    static final int PREFERRED_BLOCK = 4096;

    /** The options of fixed newstyle negotiation the server knows. */
    enum Option {
        EXPORT_NAME(1), ABORT(2), LIST(3), PEEK_EXPORT(4), STARTTLS(5), INFO(6), GO(7), STRUCTURED_REPLY(8),
        LIST_META_CONTEXT(9), SET_META_CONTEXT(10);

        final int code;

        Option(int code) {
            this.code = code;
        }

        /** The option with that code, or null. */
        static Option of(int code) {
            for (Option o : values()) {
                if (o.code == code) {
                    return o;
                }
            }
            return null;
        }

        /** {@code nbd_opt_lookup}: "go", "export name", or "<unknown>", as QEMU names options in messages. */
        static String name(int code) {
            Option o = of(code);
            return o == null ? "<unknown>" : o.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    /** The commands of the transmission phase, with the flags each takes besides FUA. */
    enum Command {
        READ(0), WRITE(1), DISC(2), FLUSH(3), TRIM(4), CACHE(5), WRITE_ZEROES(6), BLOCK_STATUS(7);

        final int code;

        Command(int code) {
            this.code = code;
        }

        /** The command with that code, or null. */
        static Command of(int code) {
            return code >= 0 && code < values().length ? values()[code] : null;
        }
    }

    /** {@code system_errno_to_nbd_errno}'s results: the error values of proto.md. */
    static final int EPERM = 1, EIO = 5, ENOMEM = 12, EINVAL = 22, ENOSPC = 28, EOVERFLOW = 75, ENOTSUP = 95,
            ESHUTDOWN = 108;
}
