package org.blocklayer.qmp.internal;

import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A command's {@code arguments} read as QEMU's QObject input visitor reads them ({@code qobject-input-visitor.c}):
 * members by name with their type checked, nested names dotted ({@code addr.data.path}) in messages, and members
 * nobody read refused at the end ({@code visit_check_struct}).
 */
final class QmpArgs {
    private final ObjectNode object;
    private final String prefix;
    private final Set<String> read = new HashSet<>();

    QmpArgs(ObjectNode object) {
        this(object, "");
    }

    private QmpArgs(ObjectNode object, String prefix) {
        this.object = object == null ? JsonNodeFactory.instance.objectNode() : object;
        this.prefix = prefix;
    }

    /** The whole object, every member marked read: for a command that hands it on as it is. */
    ObjectNode all() {
        object.fieldNames().forEachRemaining(read::add);
        return object;
    }

    /** The dotted name QEMU's messages use ({@code full_name}). */
    String fullName(String name) {
        return prefix + name;
    }

    boolean has(String name) {
        return object.has(name);
    }

    /** The member as it is, marked read; null when absent. */
    JsonNode raw(String name) {
        read.add(name);
        return object.get(name);
    }

    String string(String name) throws QmpError {
        String s = optString(name);
        if (s == null) {
            throw QmpError.missing(fullName(name));
        }
        return s;
    }

    String optString(String name) throws QmpError {
        JsonNode v = raw(name);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw QmpError.invalidType(fullName(name), "string");
        }
        return v.textValue();
    }

    long integer(String name) throws QmpError {
        Long v = optInteger(name);
        if (v == null) {
            throw QmpError.missing(fullName(name));
        }
        return v;
    }

    Long optInteger(String name) throws QmpError {
        JsonNode v = raw(name);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw QmpError.invalidType(fullName(name), "integer");
        }
        return v.longValue();
    }

    Boolean optBool(String name) throws QmpError {
        JsonNode v = raw(name);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            throw QmpError.invalidType(fullName(name), "boolean");
        }
        return v.booleanValue();
    }

    boolean bool(String name, boolean absent) throws QmpError {
        Boolean v = optBool(name);
        return v == null ? absent : v;
    }

    /** An enum member: one of {@code values}, else QEMU's "does not accept value". */
    String optEnum(String name, List<String> values) throws QmpError {
        String v = optString(name);
        if (v != null && !values.contains(v)) {
            throw QmpError.badEnum(fullName(name), v);
        }
        return v;
    }

    QmpArgs object(String name) throws QmpError {
        QmpArgs o = optObject(name);
        if (o == null) {
            throw QmpError.missing(fullName(name));
        }
        return o;
    }

    QmpArgs optObject(String name) throws QmpError {
        JsonNode v = raw(name);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw QmpError.invalidType(fullName(name), "object");
        }
        return new QmpArgs((ObjectNode) v, fullName(name) + ".");
    }

    /** {@code visit_check_struct}: the first member nobody read is unexpected. */
    void end() throws QmpError {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!read.contains(name)) {
                throw QmpError.unexpected(fullName(name));
            }
        }
    }
}
