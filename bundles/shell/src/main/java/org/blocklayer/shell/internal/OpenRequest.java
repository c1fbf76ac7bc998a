package org.blocklayer.shell.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;

/**
 * What {@code block:open} asks {@code BlockGraph.open} for.
 *
 * @param filename a path or URI, or null when the options say everything
 * @param options  the blockdev-add style options, with {@code node-name} from {@code -n}
 * @param flags    {@link OpenFlags#RDWR}, or 0 for read-only
 */
record OpenRequest(String filename, BlockOptions options, int flags) {

    /**
     * Reads the argument of {@code block:open}: options when it has an '=' before any '/'
     * ({@code driver=raw,file.filename=/tmp/a.img}), else a filename or URI ({@code /tmp/a.img},
     * {@code file:/tmp/a}, {@code nbd://host/export}).
     *
     * @param nodeName the {@code -n} value, null when absent; an empty one is passed on for the graph to refuse
     * @throws BlockException EINVAL for malformed options, or a node name given both ways
     */
    static OpenRequest of(String target, String nodeName, boolean readOnly) throws BlockException {
        boolean isOptions = isOptions(target);
        BlockOptions options = isOptions ? BlockOptions.parse(target) : new BlockOptions();
        if (nodeName != null) {
            if (options.has("node-name")) {
                throw new BlockException(Errno.EINVAL,
                        "Node name given twice: -n '" + nodeName + "' and node-name='" + options.get("node-name") + "'");
            }
            options.put("node-name", nodeName);
        }
        return new OpenRequest(isOptions ? null : target, options, readOnly ? 0 : OpenFlags.RDWR);
    }

    static boolean isOptions(String target) {
        int eq = target.indexOf('=');
        int slash = target.indexOf('/');
        return eq >= 0 && (slash < 0 || eq < slash);
    }
}
