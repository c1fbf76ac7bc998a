package org.blocklayer.qmp.internal;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.blocklayer.api.graph.BlockOptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code blockdev-add}'s argument, QEMU's {@code BlockdevOptions}, turned into the flat dotted options every open
 * takes ({@code qmp_blockdev_add}: visit, then {@code qdict_flatten}): {@code {"driver":"raw","file":{"driver":"file",
 * "filename":"/x"}}} becomes {@code driver=raw,file.driver=file,file.filename=/x}. The members common to every driver
 * and the members a known driver requires are checked as QAPI's visitor checks them; the rest is the driver's to
 * accept or refuse, so drivers blocklayer has and QEMU's schema does not know still work.
 */
final class BlockdevOptions {
    /** {@code BlockdevOptionsBase}'s members with their QAPI types. */
    private static final Map<String, String> BASE = Map.of("driver", "string", "node-name", "string",
            "discard", "string", "read-only", "boolean", "auto-read-only", "boolean", "force-share", "boolean",
            "detect-zeroes", "string", "cache", "object");
    /** The members each driver's options require ({@code BlockdevOptionsFile}, {@code ...GenericFormat}...). */
    private static final Map<String, List<String>> REQUIRED = Map.of("file", List.of("filename"),
            "host_device", List.of("filename"), "raw", List.of("file"), "qcow2", List.of("file"),
            "nbd", List.of("server"));

    private BlockdevOptions() {
    }

    /** The flat options of a root node; its {@code node-name} is required, as {@code blockdev-add} requires it. */
    static BlockOptions flatten(ObjectNode arguments) throws QmpError {
        check(arguments, "");
        if (!arguments.has("node-name")) {
            throw QmpError.generic("'node-name' must be specified for the root node");
        }
        BlockOptions options = new BlockOptions();
        put(options, "", arguments);
        return options;
    }

    /** One level of {@code BlockdevOptions}: the base members' types, the driver's required members, children. */
    private static void check(ObjectNode node, String prefix) throws QmpError {
        JsonNode driver = node.get("driver");
        if (driver == null) {
            throw QmpError.missing(prefix + "driver");
        }
        for (Map.Entry<String, String> m : BASE.entrySet()) {
            JsonNode v = node.get(m.getKey());
            if (v != null && !hasType(v, m.getValue())) {
                throw QmpError.invalidType(prefix + m.getKey(), m.getValue());
            }
        }
        for (String required : REQUIRED.getOrDefault(driver.textValue(), List.of())) {
            if (!node.has(required)) {
                throw QmpError.missing(prefix + required);
            }
        }
        for (String child : List.of("file", "backing", "data-file")) {
            JsonNode c = node.get(child);
            if (c != null && c.isObject() && !(driver.textValue().equals("nbd"))) {
                check((ObjectNode) c, prefix + child + ".");
            } else if (c != null && !c.isTextual() && !c.isObject() && !(c.isNull() && child.equals("backing"))) {
                throw QmpError.invalidType(prefix + child, "BlockdevRef");
            }
        }
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "string" -> v.isTextual();
            case "boolean" -> v.isBoolean();
            case "object" -> v.isObject();
            default -> true;
        };
    }

    /** {@code qdict_flatten}: objects by dotted keys, lists by index, booleans as on/off, {@code null} as "". */
    private static void put(BlockOptions options, String prefix, JsonNode value) throws QmpError {
        if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                put(options, prefix + e.getKey() + ".", e.getValue());
            }
            return;
        }
        String key = prefix.substring(0, prefix.length() - 1);
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                put(options, key + "." + i + ".", value.get(i));
            }
        } else if (value.isBoolean()) {
            options.put(key, value.booleanValue() ? "on" : "off");
        } else if (value.isNull()) {
            options.put(key, "");
        } else if (value.isTextual()) {
            options.put(key, value.textValue());
        } else if (value.isNumber()) {
            options.put(key, value.asText());
        } else {
            throw QmpError.invalidType(key, "a JSON value blockdev-add takes");
        }
    }
}
