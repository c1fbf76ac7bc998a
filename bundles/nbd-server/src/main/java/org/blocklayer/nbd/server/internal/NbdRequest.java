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
