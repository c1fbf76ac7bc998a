package org.blocklayer.launcher;

import java.io.PrintStream;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Prints the OSGi log's WARN and above on stderr, one line each, {@code blocklayer: BUNDLE: MESSAGE}, so that an
 * operator sees "node x: no medium, driver file gone" without a log viewer; stdout stays for results. Listens on
 * every LogReaderService (Felix Log, from bundle/) through the system bundle, whose class space shares
 * {@code org.osgi.service.log} with the launcher (config.properties: system.packages.extra).
 */
final class LogToStderr implements LogListener, AutoCloseable {
    private final PrintStream err;
    private final ServiceTracker<LogReaderService, LogReaderService> readers;

    private LogToStderr(BundleContext system, PrintStream err) {
        this.err = err;
        this.readers = new ServiceTracker<>(system, LogReaderService.class, null) {
            @Override
            public LogReaderService addingService(ServiceReference<LogReaderService> reference) {
                LogReaderService reader = super.addingService(reference);
                if (reader != null) {
                    reader.addLogListener(LogToStderr.this);
                }
                return reader;
            }

            @Override
            public void removedService(ServiceReference<LogReaderService> reference, LogReaderService reader) {
                reader.removeLogListener(LogToStderr.this);
                super.removedService(reference, reader);
            }
        };
    }

    /** Starts listening; open it before the bundles start, so nothing they log at start-up is missed. */
    static LogToStderr open(BundleContext system, PrintStream err) {
        LogToStderr log = new LogToStderr(system, err);
        log.readers.open();
        return log;
    }

    @Override
    public void logged(LogEntry entry) {
        String line = line(entry.getLogLevel(), entry.getBundle() == null ? entry.getLoggerName()
                : entry.getBundle().getSymbolicName(), entry.getMessage(), entry.getException());
        if (line != null) {
            err.println(line);
        }
    }

    /** The stderr line for a record, or null for one below WARN. */
    static String line(LogLevel level, String source, String message, Throwable exception) {
        if (!LogLevel.WARN.implies(level)) {
            return null;
        }
        return "blocklayer: " + source + ": " + message + (exception == null ? "" : ": " + exception);
    }

    @Override
    public void close() {
        readers.close();
    }
}
