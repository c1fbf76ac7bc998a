package org.blocklayer.core.internal.log;

import java.util.function.Supplier;

import org.osgi.service.log.Logger;

/**
 * Where core's log records go: the OSGi {@link Logger} (Log Service 1.4) that DS hands a component, or, while no Log
 * Service runs (unit tests, a container without one), standard error for WARN and above, as Felix SCR does when it
 * has no Log Service. Messages use the Logger's {@code {}} placeholders; a trailing Throwable is the exception.
 */
public final class CoreLog {
    private final Supplier<Logger> logger;
    private final String source;

    /** @param logger the component's current Logger, null while there is none (a dynamic reference) */
    public CoreLog(Supplier<Logger> logger, String source) {
        this.logger = logger;
        this.source = source;
    }

    public void debug(String format, Object... args) {
        Logger l = logger.get();
        if (l != null) {
            l.debug(format, args);
        }
    }

    public void info(String format, Object... args) {
        Logger l = logger.get();
        if (l != null) {
            l.info(format, args);
        }
    }

    public void warn(String format, Object... args) {
        Logger l = logger.get();
        if (l != null) {
            l.warn(format, args);
        } else {
            fallback(format, args);
        }
    }

    public void error(String format, Object... args) {
        Logger l = logger.get();
        if (l != null) {
            l.error(format, args);
        } else {
            fallback(format, args);
        }
    }

    private void fallback(String format, Object... args) {
        Throwable thrown = args.length > 0 && args[args.length - 1] instanceof Throwable t ? t : null;
        System.err.println("blocklayer: " + source + ": " + format(format, args));
        if (thrown != null) {
            thrown.printStackTrace();
        }
    }

    /** The Logger's formatting: each {@code {}} takes the next argument; {@code \{}} is a literal brace pair. */
    static String format(String format, Object... args) {
        StringBuilder out = new StringBuilder(format.length() + 32);
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '\\' && format.startsWith("{}", i + 1)) {
                out.append("{}");
                i += 2;
            } else if (c == '{' && format.startsWith("}", i + 1) && next < args.length) {
                out.append(args[next++]);
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
