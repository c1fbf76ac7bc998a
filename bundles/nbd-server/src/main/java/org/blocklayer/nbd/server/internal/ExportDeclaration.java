package org.blocklayer.nbd.server.internal;

import java.util.Locale;
import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.export.ExportOptions;

/**
 * What one {@code org.blocklayer.export~NAME} configuration asks for: qemu-storage-daemon's {@code --export
 * nbd,...} as keys {@code node} (required), {@code name} (default NAME), {@code writable}, {@code description} and
 * {@code multi-conn}.
 */
record ExportDeclaration(String pid, ExportOptions options) {
    static final String PREFIX = "org.blocklayer.export";

    /** EINVAL naming the key for a value that cannot be used. */
    static ExportDeclaration of(String pid, Map<String, ?> properties) throws BlockException {
        String node = string(properties.get("node"));
        if (node == null || node.isBlank()) {
            throw new BlockException(Errno.EINVAL, pid + ": no 'node' to export");
        }
        String name = string(properties.get("name"));
        if (name == null) {
            int tilde = pid.indexOf('~');
            name = tilde >= 0 ? pid.substring(tilde + 1) : node;
        }
        boolean writable = switch (lower(properties.get("writable"), "off")) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new BlockException(Errno.EINVAL, pid + ": 'writable' must be on or off, not '"
                    + properties.get("writable") + "'");
        };
        ExportOptions.MultiConn multiConn = switch (lower(properties.get("multi-conn"), "auto")) {
            case "on" -> ExportOptions.MultiConn.ON;
            case "off" -> ExportOptions.MultiConn.OFF;
            case "auto" -> ExportOptions.MultiConn.AUTO;
            default -> throw new BlockException(Errno.EINVAL, pid + ": 'multi-conn' must be on, off or auto, not '"
                    + properties.get("multi-conn") + "'");
        };
        return new ExportDeclaration(pid, new ExportOptions(node, name, writable,
                string(properties.get("description")), multiConn));
    }

    String name() {
        return options.name();
    }

    private static String string(Object value) {
        return value == null ? null : String.valueOf(value).strip();
    }

    private static String lower(Object value, String absent) {
        return value == null ? absent : String.valueOf(value).strip().toLowerCase(Locale.ROOT);
    }
}
