package org.blocklayer.nbd.server.internal;

/** The client broke the handshake so that the connection is dropped (QEMU's negative returns in negotiation). */
final class HandshakeFailed extends Exception {
    HandshakeFailed(String message) {
        super(message);
    }
}
