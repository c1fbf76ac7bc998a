package org.blocklayer.nbd.server.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exports a client can choose ({@code exports} and {@code nbd_export_find} of nbd/server.c), in the order they
 * were added, which is the order NBD_OPT_LIST gives. Main loop only: both negotiation and management run there.
 */
final class ExportTable {
    private final Map<String, NbdExport> byName = new LinkedHashMap<>();

    NbdExport find(String name) {
        return byName.get(name);
    }

    void add(NbdExport export) {
        byName.put(export.name(), export);
    }

    NbdExport remove(String name) {
        return byName.remove(name);
    }

    List<NbdExport> all() {
        return List.copyOf(byName.values());
    }
}
