package org.blocklayer.driver.nbd.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The byte stream the handshake runs over: a socket with a deadline in production, a buffer in tests and in the
 * fuzzer. Both calls transfer everything or throw: {@link java.io.EOFException} when the server closed the
 * connection, {@link java.net.SocketTimeoutException} when the deadline passed.
 */
interface HandshakeIo {

    /** Writes all remaining bytes of {@code buf}. */
    void write(ByteBuffer buf) throws IOException;

    /** Fills all remaining bytes of {@code buf}. */
    void readFully(ByteBuffer buf) throws IOException;
}
