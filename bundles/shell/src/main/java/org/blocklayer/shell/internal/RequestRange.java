package org.blocklayer.shell.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;

/**
 * The check qemu-io's one request gets from {@code blk_check_byte_request}, made once for a whole shell request
 * before it is cut into pieces: a request that reaches past the end fails with EIO, naming the range asked for,
 * before a single byte is read or written.
 */
final class RequestRange {
    private RequestRange() {
    }

    static void check(BlockGraph graph, String name, String what, long offset, long length) throws BlockException {
        if (offset < 0 || length < 0) {
            throw new BlockException(Errno.EIO, name, graph.info(name).driver(), "Cannot " + what + " " + length
                    + " bytes at offset " + offset + ": negative");
        }
        long end = graph.getLength(name);
        if (offset > end || end - offset < length) {
            throw new BlockException(Errno.EIO, name, graph.info(name).driver(), "Cannot " + what + " " + length
                    + " bytes at offset " + offset + ": the node ends at " + end + "; nothing was " + done(what));
        }
    }

    private static String done(String what) {
        return what.equals("write") ? "written" : "read";
    }
}
