package org.blocklayer.core.internal.lock;

import org.blocklayer.api.lock.GraphLock;

/**
 * The graph lock as the graph wires it: a writer first quiesces every node, as {@code bdrv_graph_wrlock} calls
 * {@code bdrv_drain_all_begin_nopoll}, and the drain belongs to the graph, which plugs it in here. Core's
 * {@link GraphRwLock} provides it as a service, next to the public {@code GraphLock}.
 */
public interface DrainingGraphLock extends GraphLock {

    /** Sets what runs before a writer waits for readers ({@code begin}) and once it holds the lock ({@code end}). */
    void setDrainHooks(Runnable begin, Runnable end);
}
