package org.blocklayer.nbd.server.internal;

/**
 * Tells of each start of the NBD server; this bundle's own service, so that declared exports waiting for a server
 * retry when one starts, from the shell or from a configuration.
 */
public interface ServerStarts {
    /** Calls {@code listener} after every start, on the starting thread. Returns what removes it. */
    AutoCloseable onStart(Runnable listener);
}
