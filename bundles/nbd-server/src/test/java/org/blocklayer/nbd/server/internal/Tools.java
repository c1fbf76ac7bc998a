package org.blocklayer.nbd.server.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.testing.Needs;

/** The real clients people use against an NBD server, run as processes; a missing tool skips, or fails under CI. */
final class Tools {
    private Tools() {
    }

    /** What a tool printed (stdout and stderr) and its exit status. */
    record Result(int status, String out) {
        Result ok() {
            if (status != 0) {
                throw new AssertionError("exit " + status + ": " + out);
            }
            return this;
        }
    }

    static void require(String tool) {
        Needs.tool(tool, tool.startsWith("qemu") ? "qemu-utils" : tool.equals("nbd-client") ? "nbd-client"
                : "libnbd-bin");
    }

    static Result run(String... cmd) throws Exception {
        if (!cmd[0].contains("/")) {
            require(cmd[0]);
        }
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + List.of(cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
