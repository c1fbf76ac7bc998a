package org.blocklayer.core.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;

/**
 * An implementation of a service interface that is not core's own class: it forwards every call to {@code target}
 * and notes the method's name. What a component accepts such a stand-in for, it reaches through the interface only.
 */
public final class Forwarding {
    private Forwarding() {
    }

    public static <T> T to(Class<T> type, T target, List<String> calls) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            calls.add(method.getName());
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        return type.cast(proxy);
    }
}
