package org.blocklayer.launcher;

import java.io.PrintStream;

import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;

/**
 * Drops the one line Felix Event Admin prints when it is stopped while it delivers an event, and nothing else.
 *
 * <p>Why the line comes: Event Admin delivers posted events on a pool thread, which waits on a semaphore for the
 * handlers (its timeout check, {@code DenylistLatch}). When the framework stops, the bundles stopping before Event
 * Admin keep posting (its adapters turn every bundle, service and log event into an event), and Event Admin's own
 * stop shuts its pools down with {@code shutdownNow}: a delivery thread still working through that queue is
 * interrupted, its wait throws, and Event Admin logs "Event Task Processing Interrupted" at WARNING. By then Felix
 * Log has stopped (it stops before Event Admin), so Event Admin prints the line itself on {@code System.out}, which
 * headless is stderr. Whether a delivery is in flight at that instant is luck: about 1 run in 40.
 *
 * <p>Why filter rather than reorder: no stop order avoids it. Stopping Event Admin first still finds deliveries in
 * flight (a health-check reconciliation after the last command posts service events), stopping it last still has
 * the other bundles' stop events queued, and Event Admin offers no way to wait until its queues are empty. So from
 * the moment Event Admin stops, this class drops that exact line, which at that moment only ever means "events to
 * handlers that are going away were cut off". Every other line, and the same warning at any other time, is
 * printed as before.
 */
final class EventAdminStopFilter extends PrintStream {

    static final String BUNDLE = "org.apache.felix.eventadmin";
    /** Felix Event Admin 1.6's message (DenylistLatch), as its LogWrapper prints it when no LogService is left. */
    static final String INTERRUPTED_LINE =
            "WARNING: EventAdmin: Event Task Processing Interrupted. Events may not be received in proper order.";

    private EventAdminStopFilter(PrintStream target) {
        super(target, true, target.charset());
    }

    /** Installs the filter on System.out as Event Admin starts to stop; add it to the system bundle's context. */
    static SynchronousBundleListener listener() {
        return event -> {
            if (event.getType() == BundleEvent.STOPPING && BUNDLE.equals(event.getBundle().getSymbolicName())) {
                install();
            }
        };
    }

    /**
     * Wraps the current System.out, once. Installed when Event Admin stops, not earlier: Gogo, stopping before it,
     * puts back the System.out it found at its start. Never removed: the interrupted thread may print after the
     * framework has stopped, and the process ends soon after.
     */
    static synchronized void install() {
        if (!(System.out instanceof EventAdminStopFilter)) {
            System.setOut(new EventAdminStopFilter(System.out));
        }
    }

    @Override
    public void println(String line) {
        if (!INTERRUPTED_LINE.equals(line)) {
            super.println(line);
        }
    }
}
