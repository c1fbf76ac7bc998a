package org.blocklayer.qmp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The monitor's own commands (monitor/qmp-cmds-control.c, monitor/qmp-cmds.c): {@code qmp_capabilities},
 * {@code query-version}, {@code query-commands} and {@code quit}.
 */
final class ControlCommands {
    /**
     * The QEMU release whose QMP interface (commands, argument and reply shapes) blocklayer follows; what
     * {@code query-version} and the greeting report as {@code qemu}, with blocklayer's own version as {@code package}.
     */
    static final int[] QEMU_VERSION = {7, 2, 0};
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ControlCommands() {
    }

    static void register(CommandTable table, String blocklayerVersion, Runnable quit) {
        table.add("query-version", CommandTable.Where.DISPATCHER, args -> {
            args.end();
            return version(blocklayerVersion);
        });
        table.add("query-commands", CommandTable.Where.DISPATCHER, args -> {
            args.end();
            ArrayNode list = JSON.arrayNode();
            list.addObject().put("name", "qmp_capabilities");
            table.names().forEach(n -> list.addObject().put("name", n));
            return list;
        });
        table.add("quit", CommandTable.Where.DISPATCHER, args -> {
            args.end();
            quit.run();
            return JSON.objectNode();
        });
    }

    /** {@code VersionInfo}. */
    static ObjectNode version(String blocklayerVersion) {
        ObjectNode info = JSON.objectNode();
        ObjectNode qemu = info.putObject("qemu");
        qemu.put("micro", QEMU_VERSION[2]);
        qemu.put("minor", QEMU_VERSION[1]);
        qemu.put("major", QEMU_VERSION[0]);
        info.put("package", "blocklayer " + blocklayerVersion);
        return info;
    }

    /** The greeting ({@code qmp_greeting}): no capabilities offered, since blocklayer has no out-of-band commands. */
    static ObjectNode greeting(String blocklayerVersion) {
        ObjectNode greeting = JSON.objectNode();
        ObjectNode qmp = greeting.putObject("QMP");
        qmp.set("version", version(blocklayerVersion));
        qmp.putArray("capabilities");
        return greeting;
    }

    /** {@code qmp_capabilities}' arguments ({@code qmp_caps_accept}): none of the capabilities can be enabled. */
    static void capabilities(QmpArgs args) throws QmpError {
        JsonNode enable = args.raw("enable");
        args.end();
        if (enable == null) {
            return;
        }
        if (!enable.isArray()) {
            throw QmpError.invalidType("enable", "array");
        }
        StringBuilder unavailable = new StringBuilder();
        for (int i = 0; i < enable.size(); i++) {
            JsonNode c = enable.get(i);
            if (!c.isTextual()) {
                throw QmpError.invalidType("enable[" + i + "]", "string");
            }
            if (!c.textValue().equals("oob")) {
                throw QmpError.badEnum("enable[" + i + "]", c.textValue());
            }
            unavailable.append(unavailable.isEmpty() ? "" : ", ").append(c.textValue());
        }
        if (!unavailable.isEmpty()) {
            throw QmpError.generic("Capability " + unavailable + " not available");
        }
    }
}
