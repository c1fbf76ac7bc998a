package org.blocklayer.webconsole.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The graph drawn by Graphviz ({@code dot -Tsvg}), the tool QEMU's scripts/render_block_graph.py draws with: run
 * with a time limit, its last picture kept for as long as the dot text stays the same (a page reload redraws
 * nothing).
 */
final class GraphSvg {
    /** A drawing, or why there is none. */
    record Drawing(String svg, String problem) {
    }

    private final Path dot;
    private final Duration limit;
    private String lastDot;
    private Drawing last;

    /** Drawings by the {@code dot} executable at {@code dot} (null: not installed), each within {@code limit}. */
    GraphSvg(Path dot, Duration limit) {
        this.dot = dot;
        this.limit = limit;
    }

    /** The {@code dot} on PATH, or null when Graphviz is not installed. */
    static Path onPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "dot"))) {
                return Path.of(dir, "dot");
            }
        }
        return null;
    }

    synchronized Drawing draw(String dotText) {
        if (dotText.equals(lastDot)) {
            return last;
        }
        Drawing drawing = run(dotText);
        lastDot = dotText;
        last = drawing;
        return drawing;
    }

    private Drawing run(String dotText) {
        if (dot == null) {
            return new Drawing(null, "Graphviz is not installed (no 'dot' on PATH), so the graph cannot be drawn here:"
                    + " install it (Debian: apt-get install graphviz) and reload. Its dot text, which block:graph"
                    + " prints too:");
        }
        Process process;
        try {
            process = new ProcessBuilder(dot.toString(), "-Tsvg").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return new Drawing(null, "cannot run " + dot + ": " + e.getMessage() + ". The dot text:");
        }
        // Written and read on threads of their own: a big graph fills both pipes at once.
        CompletableFuture<Void> in = CompletableFuture.runAsync(() -> write(process, dotText),
                r -> Thread.ofVirtual().start(r));
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()),
                r -> Thread.ofVirtual().start(r));
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Drawing(null, dot + " -Tsvg did not finish within " + limit.toMillis()
                        + " ms. The dot text:");
            }
            in.get();
            String svg = out.get();
            if (process.exitValue() != 0) {
                return new Drawing(null, dot + " -Tsvg failed (exit status " + process.exitValue()
                        + "). The dot text:");
            }
            return new Drawing(inline(svg), null);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Drawing(null, "interrupted while drawing. The dot text:");
        } catch (ExecutionException e) {
            return new Drawing(null, dot + " -Tsvg: " + e.getCause().getMessage() + ". The dot text:");
        }
    }

    /** The {@code <svg>} element alone, without the XML declaration, doctype and comments around it. */
    static String inline(String svg) {
        int start = svg.indexOf("<svg");
        return start < 0 ? svg : svg.substring(start).strip();
    }

    private static void write(Process process, String text) {
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String read(InputStream stdout) {
        try (stdout) {
            return new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
