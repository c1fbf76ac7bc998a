package org.blocklayer.core.internal.graph;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.lock.GraphLock;

/**
 * X4's backstop for a failed open: every node the open created leaves the graph, whatever stopped it. The open's
 * own error paths release what they built as they unwind, but only for a BlockException or a RuntimeException; an
 * Error (a StackOverflowError deep in a driver's open, say) skips them and used to leave hundreds of half-built
 * nodes, drivers and file descriptors open, and reached the shell as a bare Error that Gogo wrapped in an
 * InvocationTargetException. Here it becomes a BlockException naming the node and driver, like every other failure.
 */
final class OpenRollback {
    private final Graph graph;
    /** The nodes in the graph before the open: the open created whatever else is there after it. */
    private final Set<BlockDriverState> before = Collections.newSetFromMap(new IdentityHashMap<>());

    OpenRollback(Graph graph, Collection<BlockDriverState> existing) {
        this.graph = graph;
        before.addAll(existing);
    }

    /** The nodes the open created, in creation order: the node asked for first, its new children after it. */
    List<BlockDriverState> created(Collection<BlockDriverState> now) {
        return now.stream().filter(bs -> !before.contains(bs)).toList();
    }

    /**
     * Removes every node the failed open left in {@code now}, closing its driver and releasing what it held of
     * nodes that were there before; returns {@code failure} as the BlockException the caller throws. A VM error
     * other than a stack overflow (out of memory) is thrown on as it is, once the graph is clean.
     */
    @GlobalStateCode
    BlockException undo(Throwable failure, Collection<BlockDriverState> now, String requestedName,
                        String requestedDriver) {
        List<BlockDriverState> left = created(now);
        String node = left.isEmpty() ? requestedName : left.getFirst().nodeName();
        BlockDriver top = left.isEmpty() ? null : left.getFirst().driver();
        String driver = top != null ? top.formatName() : requestedDriver;
        // Children were created after their parents: the deepest goes first, so no edge outlives its child.
        for (BlockDriverState bs : left.reversed()) {
            remove(bs, left);
        }
        if (failure instanceof BlockException e) {
            return e;
        }
        if (failure instanceof VirtualMachineError e && !(failure instanceof StackOverflowError)) {
            throw e;
        }
        return new BlockException(Errno.EIO, node, driver, "Could not open the node: " + inWords(failure)
                + "; nothing it created is left", failure);
    }

    /**
     * An internal failure as an operator reads it: its message, or else what kind of failure it was, in words
     * ("stack overflow error"), never a Java class name. The cause keeps the class for a stack trace.
     */
    static String inWords(Throwable failure) {
        String kind = failure.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase();
        String message = failure.getMessage();
        return "internal " + kind + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /** {@code bs} leaves the graph: its driver closed, its edges gone, its hold on an existing child released. */
    @GlobalStateCode
    private void remove(BlockDriverState bs, List<BlockDriverState> left) {
        try (GraphLock.Writer w = graph.wrlock()) {
            graph.release().closeDriverQuietly(bs);
        }
        // Its new children left already (deepest first); what remains below it are existing nodes it referenced.
        for (BdrvChild edge : List.copyOf(bs.edges().children())) {
            graph.release().unrefChild(edge);
        }
        for (BdrvChild edge : List.copyOf(bs.edges().parents())) {
            if (left.contains(edge.parent())) {
                try (GraphLock.Writer w = graph.wrlock()) {
                    NodeEdges.detach(edge);
                }
            }
        }
        graph.table().forget(bs);
    }
}
