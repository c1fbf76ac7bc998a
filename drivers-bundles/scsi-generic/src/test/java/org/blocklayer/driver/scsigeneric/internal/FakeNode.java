package org.blocklayer.driver.scsigeneric.internal;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.BlockingCall;
import org.blocklayer.api.coroutine.ThreadPool;
import org.blocklayer.api.graph.BlockNode;

/**
 * A test-only node: just enough of {@link BlockNode} for a protocol driver (name, opaque, sg, total sectors, a
 * context whose worker pool runs calls inline and counts them). Everything else throws. A dynamic proxy, so that
 * methods the API gains later need no change here.
 */
final class FakeNode implements InvocationHandler {
    private final String name;
    private Object opaque;
    private boolean sg;
    private long totalSectors;
    int poolCalls;

    private final ThreadPool pool = new ThreadPool() {
        @Override
        public <T> T run(BlockingCall<T> call) throws IOException {
            poolCalls++;
            return call.call();
        }
    };

    private final AioContext context = proxy(AioContext.class, (p, m, a) -> switch (m.getName()) {
        case "name" -> "main";
        case "isCurrent" -> true;
        case "threadPool" -> pool;
        case "toString" -> "FakeContext";
        default -> throw unused(m);
    });

    final BlockNode node = proxy(BlockNode.class, this);

    FakeNode(String name) {
        this.name = name;
    }

    boolean sg() {
        return sg;
    }

    long totalSectors() {
        return totalSectors;
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] a) {
        return switch (m.getName()) {
            case "nodeName" -> name;
            case "aioContext" -> context;
            case "opaque" -> ((Class<?>) a[0]).cast(opaque);
            case "setOpaque" -> {
                opaque = a[0];
                yield null;
            }
            case "isSg" -> sg;
            case "setSg" -> {
                sg = (Boolean) a[0];
                yield null;
            }
            case "totalSectors" -> totalSectors;
            case "setTotalSectors" -> {
                totalSectors = (Long) a[0];
                yield null;
            }
            case "toString" -> "FakeNode " + name;
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == a[0];
            default -> throw unused(m);
        };
    }

    private static UnsupportedOperationException unused(Method m) {
        return new UnsupportedOperationException(m.getName() + " is not needed by a protocol driver's unit test");
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(FakeNode.class.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
