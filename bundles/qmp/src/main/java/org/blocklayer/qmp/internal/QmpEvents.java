package org.blocklayer.qmp.internal;

import java.time.Instant;

import org.osgi.service.event.Event;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * blocklayer's Event Admin events as QMP events ({@code qapi_event_send_*}, {@code qmp_event_build_dict}): the
 * {@code event} name, its {@code data}, and the {@code timestamp} of when it is sent. The export service's
 * deletions become QEMU's {@code BLOCK_EXPORT_DELETED}; core's node life-cycle events, which QEMU does not have, are
 * named in QEMU's style: {@code BLOCK_NODE_OPENED}, {@code _CLOSED}, {@code _DETACHED} and {@code _REATTACHED}.
 */
final class QmpEvents {
    static final String NODE_TOPICS = "org/blocklayer/node/*";
    static final String EXPORT_TOPICS = "org/blocklayer/export/*";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private QmpEvents() {
    }

    /** The QMP event for {@code event}, or null for a topic QMP does not tell of. */
    static ObjectNode of(Event event, ExportCommands exports, Instant now) {
        String topic = event.getTopic();
        ObjectNode data = JSON.objectNode();
        String name;
        if (topic.equals("org/blocklayer/export/DELETED")) {
            name = "BLOCK_EXPORT_DELETED";
            data.put("id", exports.deleted(String.valueOf(event.getProperty("name"))));
        } else if (topic.startsWith("org/blocklayer/node/")) {
            name = "BLOCK_NODE_" + topic.substring("org/blocklayer/node/".length());
            data.put("node-name", String.valueOf(event.getProperty("node")));
            putIfSet(data, "driver", event.getProperty("driver"));
            putIfSet(data, "driver-version", event.getProperty("driver.version"));
            putIfSet(data, "iothread", event.getProperty("aio-context"));
            putIfSet(data, "reason", event.getProperty("reason"));
        } else {
            return null;
        }
        return build(name, data, now);
    }

    /** {@code qmp_event_build_dict}. */
    static ObjectNode build(String name, ObjectNode data, Instant now) {
        ObjectNode e = JSON.objectNode();
        e.put("event", name);
        e.set("data", data);
        ObjectNode timestamp = e.putObject("timestamp");
        timestamp.put("seconds", now.getEpochSecond());
        timestamp.put("microseconds", now.getNano() / 1000);
        return e;
    }

    private static void putIfSet(ObjectNode data, String key, Object value) {
        if (value != null) {
            data.put(key, value.toString());
        }
    }
}
