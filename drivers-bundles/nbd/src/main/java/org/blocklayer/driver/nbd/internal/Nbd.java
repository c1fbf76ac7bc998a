package org.blocklayer.driver.nbd.internal;

import org.blocklayer.api.error.Errno;

/**
 * The numbers of the NBD protocol (doc/proto.md of NetworkBlockDevice/nbd; QEMU's include/block/nbd.h): magics,
 * options, option replies, info types, commands, flags, reply chunk types and error values. All fields are
 * big-endian on the wire.
 */
final class Nbd {
    private Nbd() {
    }

    /** The IANA port for NBD. */
    static final int DEFAULT_PORT = 10809;

    // ---- handshake ----
    /** "NBDMAGIC", the server's first eight bytes. */
    static final long INIT_MAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": newstyle negotiation; also the prefix of every option the client sends. */
    static final long OPTS_MAGIC = 0x49484156454f5054L;
    /** The oldstyle magic that follows NBDMAGIC from servers that only speak oldstyle. */
    static final long OLDSTYLE_MAGIC = 0x00420281861253L;
    /** Magic of every option reply. */
    static final long REP_MAGIC = 0x0003e889045565a9L;

    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 1 << 1;
    static final int FLAG_C_FIXED_NEWSTYLE = 1;
    static final int FLAG_C_NO_ZEROES = 1 << 1;

    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_ABORT = 2;
    static final int OPT_GO = 7;
    static final int OPT_STRUCTURED_REPLY = 8;

    static final int REP_ACK = 1;
    static final int REP_INFO = 3;
    static final int REP_FLAG_ERROR = 1 << 31;
    static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
    static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;
    static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
    static final int REP_ERR_PLATFORM = REP_FLAG_ERROR | 4;
    static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
    static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
    static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;
    static final int REP_ERR_BLOCK_SIZE_REQD = REP_FLAG_ERROR | 8;
    static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

    static final int INFO_EXPORT = 0;
    static final int INFO_NAME = 1;
    static final int INFO_DESCRIPTION = 2;
    static final int INFO_BLOCK_SIZE = 3;

    // ---- transmission flags (NBD_INFO_EXPORT / NBD_OPT_EXPORT_NAME reply) ----
    static final int FLAG_HAS_FLAGS = 1;
    static final int FLAG_READ_ONLY = 1 << 1;
    static final int FLAG_SEND_FLUSH = 1 << 2;
    static final int FLAG_SEND_FUA = 1 << 3;
    static final int FLAG_ROTATIONAL = 1 << 4;
    static final int FLAG_SEND_TRIM = 1 << 5;
    static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
    static final int FLAG_SEND_DF = 1 << 7;
    static final int FLAG_CAN_MULTI_CONN = 1 << 8;
    static final int FLAG_SEND_FAST_ZERO = 1 << 11;

    // ---- transmission ----
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    static final int REQUEST_SIZE = 28;
    static final int SIMPLE_REPLY_SIZE = 16;
    static final int CHUNK_HEADER_SIZE = 20;

    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_WRITE_ZEROES = 6;

    static final int CMD_FLAG_FUA = 1;
    static final int CMD_FLAG_NO_HOLE = 1 << 1;
    static final int CMD_FLAG_FAST_ZERO = 1 << 4;

    static final int REPLY_FLAG_DONE = 1;
    static final int REPLY_TYPE_NONE = 0;
    static final int REPLY_TYPE_OFFSET_DATA = 1;
    static final int REPLY_TYPE_OFFSET_HOLE = 2;
    static final int REPLY_TYPE_ERROR_BIT = 1 << 15;
    static final int REPLY_TYPE_ERROR = REPLY_TYPE_ERROR_BIT | 1;
    static final int REPLY_TYPE_ERROR_OFFSET = REPLY_TYPE_ERROR_BIT | 2;

    /** Strings (export names, messages) may be at most this long (proto.md "Conventions"). */
    static final int MAX_STRING = 4096;
    /** Largest read or write sent when the server states no maximum (QEMU's NBD_MAX_BUFFER_SIZE, 32 MiB). */
    static final int DEFAULT_MAX_REQUEST = 32 * 1024 * 1024;
    /** Requests in flight on one connection (QEMU's MAX_NBD_REQUESTS). */
    static final int MAX_IN_FLIGHT = 16;

    /**
     * {@code nbd_errno_to_system_errno}: the errno an NBD error value stands for. Values the protocol does not define
     * become EINVAL, as QEMU squashes them; the caller keeps the original value in its message.
     */
    static Errno errno(int nbdError) {
        return switch (nbdError) {
            case 1 -> Errno.EPERM;
            case 5 -> Errno.EIO;
            case 12 -> Errno.ENOMEM;
            case 28 -> Errno.ENOSPC;
            case 75 -> Errno.EOVERFLOW;
            case 95 -> Errno.ENOTSUP;
            case 108 -> Errno.ESHUTDOWN;
            default -> Errno.EINVAL;
        };
    }

    /** The protocol's name for an error value, for messages. */
    static String errorName(int nbdError) {
        return switch (nbdError) {
            case 1 -> "EPERM";
            case 5 -> "EIO";
            case 12 -> "ENOMEM";
            case 22 -> "EINVAL";
            case 28 -> "ENOSPC";
            case 75 -> "EOVERFLOW";
            case 95 -> "ENOTSUP";
            case 108 -> "ESHUTDOWN";
            default -> "error " + Integer.toUnsignedString(nbdError);
        };
    }

    static String commandName(int cmd) {
        return switch (cmd) {
            case CMD_READ -> "read";
            case CMD_WRITE -> "write";
            case CMD_DISC -> "disconnect";
            case CMD_FLUSH -> "flush";
            case CMD_TRIM -> "trim";
            case CMD_WRITE_ZEROES -> "write-zeroes";
            default -> "command " + cmd;
        };
    }
}
