package org.blocklayer.nbd.server.internal;

import java.nio.ByteBuffer;

/**
 * One request as it came off the wire ({@code NBDRequest}).
 *
 * @param flags  the command flags
 * @param type   the command number, known or not
 * @param handle the client's cookie, echoed in every reply
 * @param from   the offset
 * @param length the length, unsigned 32 bits
 */
record NbdRequest(int flags, int type, long handle, long from, long length) {

    /** {@code nbd_receive_request}: the 28-byte header; null when its magic is wrong. */
    static NbdRequest parse(ByteBuffer header) {
        if (header.getInt(0) != Wire.REQUEST_MAGIC) {
            return null;
        }
        return new NbdRequest(Short.toUnsignedInt(header.getShort(4)), Short.toUnsignedInt(header.getShort(6)),
                header.getLong(8), header.getLong(16), Integer.toUnsignedLong(header.getInt(24)));
    }

    Wire.Command command() {
        return Wire.Command.of(type);
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * The sanity checks of {@code nbd_co_receive_request} on an export of {@code size} bytes: writes to a read-only
     * export, ranges past the end, flags the command does not take. Null when the request passes.
     */
    String problem(long size, boolean readOnly, boolean structured) {
        Wire.Command c = command();
        if (readOnly && (c == Wire.Command.WRITE || c == Wire.Command.WRITE_ZEROES || c == Wire.Command.TRIM)) {
            return "Export is read-only";
        }
        if (Long.compareUnsigned(from, size) > 0 || length > size - from) {
            return "operation past EOF; From: " + Long.toUnsignedString(from) + ", Len: " + length + ", Size: "
                    + size;
        }
        int unsupported = flags & ~validFlags(structured);
        if (unsupported != 0) {
            return "unsupported flags for command " + (c == null ? "<unknown>" : c.name()) + " (got 0x"
                    + Integer.toHexString(flags) + ")";
        }
        return null;
    }

    /** The flags {@code command()} accepts ({@code nbd_co_receive_request}: FUA on all, the rest by command). */
    int validFlags(boolean structured) {
        Wire.Command c = command();
        int valid = Wire.FUA;
        if (c == Wire.Command.READ && structured) {
            valid |= Wire.DF;
        } else if (c == Wire.Command.WRITE_ZEROES) {
            valid |= Wire.NO_HOLE | Wire.FAST_ZERO;
        } else if (c == Wire.Command.BLOCK_STATUS) {
            valid |= Wire.REQ_ONE;
        }
        return valid;
    }
}
