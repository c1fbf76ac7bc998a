package org.blocklayer.launcher;

import java.util.Collection;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * Runs inside a test bundle (EventAdminStopFilterTest): registers an event handler that, on its event, runs the
 * test's {@code Runnable} service (a java.lang type, shared across class spaces), and posts that event once.
 */
public final class BlockingEventHandler implements BundleActivator, EventHandler {

    static final String TOPIC = "org/blocklayer/launcher/test/BLOCK";
    static final String RUNNABLE_FILTER = "(blocklayer.test=event-handler)";

    private BundleContext context;

    @Override
    public void start(BundleContext context) throws Exception {
        this.context = context;
        context.registerService(EventHandler.class, this, new Hashtable<>(Map.of(EventConstants.EVENT_TOPIC, TOPIC)));
        ServiceReference<EventAdmin> admin = context.getServiceReference(EventAdmin.class);
        context.getService(admin).postEvent(new Event(TOPIC, Map.of()));
    }

    @Override
    public void stop(BundleContext context) {
    }

    @Override
    public void handleEvent(Event event) {
        try {
            Collection<ServiceReference<Runnable>> refs = context.getServiceReferences(Runnable.class, RUNNABLE_FILTER);
            for (ServiceReference<Runnable> ref : refs) {
                context.getService(ref).run();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
