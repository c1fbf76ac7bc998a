package org.blocklayer.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium}, headless, as a person's browser on a page: a screenshot, and the DOM after its scripts
 * ran. Basic authentication comes in the URL ({@code http://USER:PASSWORD@HOST/...}), which Chromium still answers a
 * 401 challenge with. Each run has a profile directory of its own, so that parallel runs and root's home are left
 * alone.
 */
final class HeadlessChromium {
    private static final Duration LIMIT = Duration.ofSeconds(90);

    private final Path profile;

    HeadlessChromium(Path profile) {
        this.profile = profile;
    }

    /** A {@code width} x {@code height} PNG of {@code url} written to {@code png}; Chromium's own output. */
    String screenshot(String url, Path png, int width, int height) throws Exception {
        return run(List.of("--screenshot=" + png, "--window-size=" + width + "," + height, url));
    }

    /** The serialized DOM of {@code url} once loaded. */
    String dumpDom(String url) throws Exception {
        return run(List.of("--dump-dom", url));
    }

    private String run(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile));
        command.addAll(args);
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("chromium did not finish within " + LIMIT + ": " + command);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("chromium failed (exit status " + p.exitValue() + "): " + command + "\n"
                    + err.get());
        }
        return out.get();
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
