package org.blocklayer.core.internal.graph;

import org.blocklayer.api.graph.BlockGraph;

/**
 * The block graph with the notifier lists declared nodes retry on (QEMU's {@code NotifierList}, as
 * {@code bdrv_add_close_notifier}): a driver arriving, a node announced or closed. Core's {@link Graph} provides it
 * as a service, next to the public {@code BlockGraph}.
 */
public interface NotifyingGraph extends BlockGraph {

    /**
     * Calls {@code listener} on the registering thread after every driver registration, once the graph knows the
     * driver (so an open retried from the listener finds it). Returns what removes the listener.
     */
    AutoCloseable onDriverArrival(Runnable listener);

    /**
     * Calls {@code listener} in the main loop after an open announced new nodes and after an announced node closed
     * (a failed open, which announces nothing, calls nothing). It runs inside the graph's work, so it must not block
     * nor call the graph: it hands its work to another thread. Returns what removes the listener.
     */
    AutoCloseable onNodeChange(Runnable listener);
}
