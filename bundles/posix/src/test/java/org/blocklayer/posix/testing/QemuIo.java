package org.blocklayer.posix.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;


/**
 * QEMU's qemu-io as a peer process on the same image: {@link #run} for one batch of {@code -c} commands,
 * {@link #hold} for an instance that keeps the image open (and so its image locks) until closed. Shared with the
 * drivers' tests through posix's test jar.
 */
public final class QemuIo {
    /** What qemu-io prints when it waits for a command: only after the image is open and its locks are taken. */
    private static final String PROMPT = "qemu-io> ";

    private QemuIo() {
    }

    /**
     * Skips the calling test, with the reason printed, when qemu-io is not installed; under CI (where .ci/run
     * installs it) its absence fails the test instead ({@code Needs}).
     */
    public static void requireInstalled() {
        org.blocklayer.api.testing.Needs.tool("qemu-io", "qemu-utils");
    }

    /** Exit status and output (stderr merged in). */
    public record Result(int status, String output) {
    }

    /** {@code qemu-io ARGS...}; its stdin is closed at once, so it runs its {@code -c} commands and exits. */
    public static Result run(String... args) throws IOException, InterruptedException {
        Process p = start(args);
        String out;
        try (InputStream stdout = p.getInputStream(); OutputStream stdin = p.getOutputStream()) {
            stdin.close();
            out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException("qemu-io " + String.join(" ", args) + " did not exit");
        }
        return new Result(p.exitValue(), out);
    }

    /**
     * Starts {@code qemu-io ARGS...} interactively and returns once it prompts for a command, that is once the image
     * is open with its locks taken; fails with qemu-io's output if it exits instead (it could not open the image).
     */
    public static Holder hold(String... args) throws IOException, InterruptedException {
        Process p = start(args);
        InputStream stdout = p.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int b;
        while ((b = stdout.read()) >= 0) {
            seen.write(b);
            if (seen.toString(StandardCharsets.UTF_8).endsWith(PROMPT)) {
                return new Holder(p, String.join(" ", args));
            }
        }
        p.getOutputStream().close();
        stdout.close();
        int status = p.waitFor();
        throw new IOException("qemu-io " + String.join(" ", args) + " exited with " + status + " before prompting: "
                + seen.toString(StandardCharsets.UTF_8).strip());
    }

    private static Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("qemu-io");
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** A running qemu-io with the image open; {@link #close} ends it, which drops its locks. */
    public static final class Holder implements AutoCloseable {
        private final Process process;
        private final String args;

        private Holder(Process process, String args) {
            this.process = process;
            this.args = args;
        }

        /** Closes its stdin: qemu-io reads end of file, closes the image and exits. Waits for the exit. */
        @Override
        public void close() throws IOException, InterruptedException {
            try (InputStream stdout = process.getInputStream()) {
                process.getOutputStream().close();
                stdout.transferTo(OutputStream.nullOutputStream());
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException("qemu-io " + args + " did not exit when its input ended");
            }
        }
    }
}
