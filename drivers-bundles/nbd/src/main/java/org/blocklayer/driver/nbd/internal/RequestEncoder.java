package org.blocklayer.driver.nbd.internal;

import java.nio.ByteBuffer;

/** The 28-byte request header of the transmission phase ({@code nbd_send_request}). */
final class RequestEncoder {
    private RequestEncoder() {
    }

    /** Writes the header of {@code r} into {@code dst} at its position. */
    static void encode(ByteBuffer dst, NbdRequest r) {
        dst.putInt(Nbd.REQUEST_MAGIC)
                .putShort((short) r.commandFlags())
                .putShort((short) r.type())
                .putLong(r.cookie())
                .putLong(r.offset())
                .putInt(r.length());
    }

    /** {@code NBD_CMD_DISC}: offset and length zero, no reply. */
    static ByteBuffer disconnect(long cookie) {
        ByteBuffer b = ByteBuffer.allocate(Nbd.REQUEST_SIZE);
        b.putInt(Nbd.REQUEST_MAGIC).putShort((short) 0).putShort((short) Nbd.CMD_DISC).putLong(cookie)
                .putLong(0).putInt(0);
        return b.flip();
    }
}
