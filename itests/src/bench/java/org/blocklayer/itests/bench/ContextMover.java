package org.blocklayer.itests.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;

/**
 * Moves a node to another AioContext ({@code bdrv_try_change_aio_context}) through the graph's
 * {@code setAioContext}, found by reflection: the benchmarks and the stress run compile against a core that may not
 * have it yet, and use it as soon as it does. Accepted shapes: the node as a {@link BlockNode} or its name, the
 * context as an {@link AioContext} or its name ({@code "main"} is the main loop's). Iothreads come from the graph's
 * {@code addIothread(String)} / {@code deleteIothread(String)} when it has them (so the graph knows them by name),
 * else from {@link Scheduler#createIoThread}.
 */
final class ContextMover {
    private final Graph graph;
    private final Scheduler scheduler;
    private final Method setAioContext;
    private final Method addIothread;

    private ContextMover(Graph graph, Scheduler scheduler) {
        this.graph = graph;
        this.scheduler = scheduler;
        this.setAioContext = find("setAioContext", 2);
        this.addIothread = find("addIothread", 1);
    }

    static ContextMover of(Graph graph, Scheduler scheduler) {
        return new ContextMover(graph, scheduler);
    }

    /** True when this core can move a node between contexts. */
    boolean canMove() {
        return setAioContext != null;
    }

    /** Why {@link #canMove()} is false, for the printed note. */
    String whyNot() {
        return "Graph has no public setAioContext(node, context) in this core";
    }

    /** A new iothread named {@code name}, registered with the graph when it can take one. */
    EventLoop createIothread(String name) throws BlockException {
        if (addIothread != null && addIothread.getParameterTypes()[0] == String.class) {
            invoke(addIothread, name);
            for (EventLoop ctx : scheduler.contexts()) {
                if (ctx.name().equals(name)) {
                    return ctx;
                }
            }
            throw new IllegalStateException("Graph.addIothread(\"" + name + "\") made no context of that name");
        }
        return scheduler.createIoThread(name);
    }

    /** Stops an iothread made by {@link #createIothread}. */
    void destroyIothread(EventLoop ctx) {
        Method remove = find("deleteIothread", 1);
        if (addIothread != null && remove != null && remove.getParameterTypes()[0] == String.class) {
            try {
                invoke(remove, ctx.name());
                return;
            } catch (BlockException e) {
                throw new IllegalStateException("deleteIothread " + ctx.name() + ": " + e.describe(), e);
            }
        }
        scheduler.destroyIoThread(ctx);
    }

    /** Moves {@code node} into {@code ctx}. */
    void move(BlockNode node, EventLoop ctx) throws BlockException {
        if (setAioContext == null) {
            throw new UnsupportedOperationException(whyNot());
        }
        Class<?>[] types = setAioContext.getParameterTypes();
        Object first = types[0] == String.class ? node.nodeName() : node;
        Object second = types[1] == String.class ? ctx.name() : ctx;
        invoke(setAioContext, first, second);
    }

    private Method find(String name, int arity) {
        for (Method m : Graph.class.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == arity && Modifier.isPublic(m.getModifiers())
                    && accepts(m.getParameterTypes())) {
                return m;
            }
        }
        return null;
    }

    private static boolean accepts(Class<?>[] types) {
        if (types.length == 1) {
            return types[0] == String.class;
        }
        boolean nodeOk = types[0] == String.class || types[0].isAssignableFrom(BlockNode.class)
                || BlockNode.class.isAssignableFrom(types[0]);
        boolean ctxOk = types[1] == String.class || types[1].isAssignableFrom(EventLoop.class);
        return nodeOk && ctxOk;
    }

    private Object invoke(Method m, Object... args) throws BlockException {
        try {
            return m.invoke(graph, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BlockException be) {
                throw be;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
