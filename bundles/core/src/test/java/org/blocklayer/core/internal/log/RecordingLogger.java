package org.blocklayer.core.internal.log;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.log.Logger;

/** An OSGi Logger that keeps each record as "LEVEL message", formatted as a Log Service would. */
public final class RecordingLogger {
    public final List<String> records = new CopyOnWriteArrayList<>();
    /** The Logger itself: a proxy, since only the level methods with a format and arguments matter here. */
    public final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> {
                String name = method.getName();
                if (name.equals("getName")) {
                    return "recording";
                }
                if (name.startsWith("is")) {
                    return true;
                }
                if (args != null && args.length == 2 && args[0] instanceof String format
                        && args[1] instanceof Object[] values) {
                    records.add(name.toUpperCase() + " " + CoreLog.format(format, values));
                    return null;
                }
                throw new UnsupportedOperationException(method.toString());
            });
}
