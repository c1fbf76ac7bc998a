package org.blocklayer.posix.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.testing.Needs;

/**
 * A real Linux loop device over a backing file, made with losetup(8) and detached by {@link #close()}. Creating one
 * needs root; where the machine cannot, the test is skipped with the reason printed, never silently, or under CI
 * fails ({@link Needs}): the CI machine runs as root with working loop devices. Shared with the drivers' tests
 * through posix's test jar.
 */
public final class LoopDevice implements AutoCloseable {
    public final Path backing;
    public final String device;

    private LoopDevice(Path backing, String device) {
        this.backing = backing;
        this.device = device;
    }

    /**
     * {@code losetup -f --show [-r] FILE}; skips (under CI: fails) the calling test when this machine cannot make
     * loop devices.
     */
    public static LoopDevice attach(Path backing, boolean readOnly) throws IOException, InterruptedException {
        String why = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            why = "loop devices need root, tests run as " + System.getProperty("user.name");
        }
        Result r = null;
        if (why == null) {
            List<String> cmd = new ArrayList<>(List.of("losetup", "-f", "--show"));
            if (readOnly) {
                cmd.add("-r");
            }
            cmd.add(backing.toString());
            r = run(cmd);
            if (r.status != 0) {
                why = "losetup cannot attach a loop device here: " + r.output.strip();
            }
        }
        Needs.that(why == null, "a loop device: " + why);
        return new LoopDevice(backing, r.output.strip());
    }

    /** {@code losetup -c}: the loop device takes the backing file's new size. */
    public void refreshSize() throws IOException, InterruptedException {
        Result r = run(List.of("losetup", "-c", device));
        if (r.status != 0) {
            throw new IOException("losetup -c " + device + " failed: " + r.output);
        }
    }

    /** {@code losetup -d}; retried briefly, as udev may still hold the device just after a test closed it. */
    @Override
    public void close() throws IOException, InterruptedException {
        Result r = null;
        for (int i = 0; i < 20; i++) {
            r = run(List.of("losetup", "-d", device));
            if (r.status == 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IOException("losetup -d " + device + " failed: " + r.output);
    }

    public record Result(int status, String output) {
    }

    /** Runs {@code command}, its stderr merged into its output; status 127 when it cannot start. */
    public static Result run(List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(127, command.get(0) + ": " + e.getMessage());
        }
        String out;
        // Closed at once, not by the garbage collector later: the fd-counting tests would see them go.
        try (var stdout = p.getInputStream(); var stdin = p.getOutputStream()) {
            out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(124, String.join(" ", command) + " timed out");
        }
        return new Result(p.exitValue(), out);
    }
}
