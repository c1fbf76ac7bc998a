package org.blocklayer.core.internal.declare;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;

/**
 * What one {@code org.blocklayer.node~NAME} configuration asks for: the arguments of one {@code block:open}, as
 * QEMU's {@code -blockdev} takes them from a command line. Two declarations are equal when they would open the
 * same node the same way, which is how a changed file that changed nothing that matters is told apart.
 *
 * @param source    where it came from, for messages: the .cfg file File Install read, else the configuration PID
 * @param nodeName  the node's name: {@code node-name}, else NAME from the PID, else null (a generated name)
 * @param filename  the {@code filename} key when there is no {@code driver} key (a path or URI, as block:open's
 *                  positional argument), else null
 * @param options   every other key, dotted as in block:open ({@code driver=raw,file.driver=file,...})
 * @param readOnly  {@code read-only=on}
 * @param iothread  {@code iothread=ID}, or null for the main loop
 */
public record NodeDeclaration(String source, String nodeName, String filename, Map<String, String> options,
                              boolean readOnly, String iothread) {

    /**
     * The factory PID of declared nodes. A named factory configuration of it has PID {@code org.blocklayer.node~NAME};
     * so has the plain configuration File Install 3.7 makes of a file {@code org.blocklayer.node~NAME.cfg}.
     */
    public static final String FACTORY_PID = "org.blocklayer.node";

    /**
     * Prefixes of the keys Config Admin, File Install and DS add to a configuration (service.pid,
     * felix.fileinstall.filename, component.name, osgi.ds.satisfying.condition.target...); no open option has one.
     */
    private static final List<String> FRAMEWORK_PREFIXES = List.of("service.", "component.", "felix.", "osgi.");
    /** DS reads a {@code <reference>.target} key as that reference's filter: DeclaredNode's references. */
    private static final Set<String> FRAMEWORK_KEYS = Set.of("graph.target", "declarations.target");

    /** Reads a configuration's properties; EINVAL naming the key for a value that cannot be an option. */
    public static NodeDeclaration of(Map<String, ?> properties) throws BlockException {
        String pid = string(properties.get("service.pid"));
        String source = sourceOf(properties);
        Map<String, String> options = new TreeMap<>();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            if (!isFrameworkKey(e.getKey())) {
                if (e.getValue() != null && e.getValue().getClass().isArray()) {
                    throw new BlockException(Errno.EINVAL, source + ": '" + e.getKey() + "' is a list; an open"
                            + " option takes one value");
                }
                options.put(e.getKey(), string(e.getValue()));
            }
        }
        boolean readOnly = flag(options.remove("read-only"), source);
        String iothread = options.remove("iothread");
        String filename = options.containsKey("driver") ? null : options.remove("filename");
        String nodeName = options.get("node-name");
        if (nodeName == null && pid != null && pid.startsWith(FACTORY_PID + "~")) {
            nodeName = pid.substring(FACTORY_PID.length() + 1);
            options.put("node-name", nodeName);
        }
        if (filename == null && !options.containsKey("driver")) {
            throw new BlockException(Errno.EINVAL, source + ": declares neither 'driver' nor 'filename'");
        }
        return new NodeDeclaration(source, nodeName, filename, Map.copyOf(options), readOnly, iothread);
    }

    private static boolean isFrameworkKey(String key) {
        return FRAMEWORK_KEYS.contains(key) || FRAMEWORK_PREFIXES.stream().anyMatch(key::startsWith);
    }

    /** The options as the graph's open takes them (a fresh copy: open consumes what it uses). */
    public BlockOptions blockOptions() {
        return new BlockOptions(new TreeMap<>(options));
    }

    public int flags() {
        return readOnly ? 0 : OpenFlags.RDWR;
    }

    /** Equality without {@link #source}: the same node declared from a renamed file is the same node. */
    public boolean opensSameAs(NodeDeclaration other) {
        return other != null && java.util.Objects.equals(nodeName, other.nodeName)
                && java.util.Objects.equals(filename, other.filename) && options.equals(other.options)
                && readOnly == other.readOnly && java.util.Objects.equals(iothread, other.iothread);
    }

    /** Where a configuration came from, for messages: its .cfg file, else its PID; also for one {@link #of} refuses. */
    static String sourceOf(Map<String, ?> properties) {
        Object file = properties.get("felix.fileinstall.filename");
        Object pid = properties.get("service.pid");
        return file != null ? fileName(string(file)) : pid != null ? "configuration " + pid : "a configuration";
    }

    /** File Install records a URI ({@code file:/srv/deploy/x.cfg}); an operator reads a path. */
    private static String fileName(String recorded) {
        try {
            return recorded.startsWith("file:") ? java.nio.file.Path.of(java.net.URI.create(recorded)).toString()
                    : recorded;
        } catch (IllegalArgumentException e) {
            return recorded;
        }
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }

    private static boolean flag(String value, String source) throws BlockException {
        if (value == null) {
            return false;
        }
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new BlockException(Errno.EINVAL,
                    source + ": read-only must be on or off, not '" + value + "'");
        };
    }
}
