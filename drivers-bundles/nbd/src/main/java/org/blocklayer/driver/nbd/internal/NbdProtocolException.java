package org.blocklayer.driver.nbd.internal;

/**
 * The server broke the protocol: a wrong magic, a short or oversized message, an unknown cookie, data outside the
 * request. The connection cannot be trusted after it and is closed (a hard disconnect, as proto.md allows).
 */
final class NbdProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    NbdProtocolException(String message) {
        super(message);
    }
}
