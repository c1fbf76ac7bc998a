package org.blocklayer.nbd.server.internal;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/**
 * Export deletions as Event Admin events, topic {@value #DELETED} with property {@code name}: what QEMU tells QMP
 * clients with {@code BLOCK_EXPORT_DELETED} ({@code blk_exp_unref}). Posted, never sent, so no handler holds up a
 * deletion. Without Event Admin the component stays inactive and exports work as before.
 */
@Component(service = {})
public final class ExportEvents {
    static final String DELETED = "org/blocklayer/export/DELETED";

    private final AutoCloseable registration;

    @Activate
    public ExportEvents(@Reference ExportDeletions deletions, @Reference EventAdmin events) {
        registration = deletions.onDelete(name -> events.postEvent(new Event(DELETED, Map.of("name", name))));
    }

    @Deactivate
    void deactivate() throws Exception {
        registration.close();
    }
}
