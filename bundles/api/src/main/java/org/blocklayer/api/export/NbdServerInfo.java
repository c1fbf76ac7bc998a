package org.blocklayer.api.export;

/**
 * The running NBD server.
 *
 * @param address        where it listens, as {@code unix:PATH} or {@code inet:HOST:PORT} with the port it got
 * @param maxConnections the most clients at once, 0 for no limit
 * @param connections    clients connected now, in the handshake or served
 */
public record NbdServerInfo(String address, int maxConnections, int connections) {
}
