package org.blocklayer.qmp.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QEMU's {@code QmpCommandList} ({@code qmp_register_command}): the commands by name, each marked with where it runs.
 * Graph commands run whole in the main loop, as every QMP command does in QEMU; export commands run on the
 * dispatcher's thread and enter the main loop themselves, since the export service waits there for its clients.
 */
final class CommandTable {
    /** Where a command's handler runs. */
    enum Where {
        /** Inside one {@code callInMainLoop}: it sees and changes the graph in one piece. */
        MAIN_LOOP,
        /** On the dispatcher's thread: the services it calls enter the main loop themselves. */
        DISPATCHER
    }

    record Entry(String name, QmpCommand command, Where where) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    CommandTable add(String name, Where where, QmpCommand command) {
        if (entries.putIfAbsent(name, new Entry(name, command, where)) != null) {
            throw new IllegalArgumentException("QMP command " + name + " registered twice");
        }
        return this;
    }

    /** The command of that name, or null ({@code qmp_find_command}). */
    Entry find(String name) {
        return entries.get(name);
    }

    /** Every command's name, in registration order ({@code query-commands}). */
    List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(entries.keySet()));
    }
}
