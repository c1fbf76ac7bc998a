package org.blocklayer.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The built distribution's launcher run as a child process, the way a user or a script runs it:
 * {@code java <flags> -jar target/blocklayer/blocklayer.jar --deploy <dir> ...}. Its stdout is collected line by
 * line as it arrives; its stderr is collected and echoed to the test's own stderr, prefixed, for the report.
 */
final class LauncherProcess implements AutoCloseable {

    static final Path DIST = Path.of(System.getProperty("blocklayer.dist", "target/blocklayer")).toAbsolutePath();
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private final AtomicInteger markers = new AtomicInteger();
    private final StringBuffer terminal = new StringBuffer();

    private LauncherProcess(Process process) {
        this.process = process;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.stdoutReader = pump(process.getInputStream(), stdout::add, "stdout");
        this.stderrReader = pump(process.getErrorStream(), line -> {
            stderr.append(line).append('\n');
            System.err.println("[launcher stderr] " + line);
        }, "stderr");
    }

    /** What a finished run left: exit status, stdout lines, stderr text. */
    record Result(int status, List<String> stdout, String stderr) {
    }

    /** Starts the launcher watching {@code deployDir}, with {@code args} after it; stdin stays open. */
    static LauncherProcess start(Path deployDir, String... args) throws IOException {
        return startIn(null, deployDir, args);
    }

    /** {@link #start}, in working directory {@code cwd} (null: the test's own). */
    static LauncherProcess startIn(Path cwd, Path deployDir, String... args) throws IOException {
        return startIn(cwd, null, deployDir, args);
    }

    /**
     * {@link #startIn}, with {@code tmpdir} as the launcher's {@code java.io.tmpdir} (null: the JVM's default), so
     * a test can see exactly what the launcher leaves there, whatever other processes do in /tmp meanwhile.
     */
    static LauncherProcess startIn(Path cwd, Path tmpdir, Path deployDir, String... args) throws IOException {
        return new LauncherProcess(new ProcessBuilder(command(tmpdir, deployDir, args)).directory(
                cwd == null ? null : cwd.toFile()).start());
    }

    /**
     * The launcher on a pseudo-terminal of its own (util-linux {@code script}), so that it runs the interactive
     * shell; what the terminal shows arrives on stdout, and {@link #send} types.
     */
    static LauncherProcess startOnTerminal(Path cwd, Path deployDir) throws IOException {
        return startOnTerminal(cwd, null, deployDir);
    }

    /** {@link #startOnTerminal} with the launcher's {@code java.io.tmpdir} (null: the default), as {@link #startIn}. */
    static LauncherProcess startOnTerminal(Path cwd, Path tmpdir, Path deployDir) throws IOException {
        String line = command(tmpdir, deployDir).stream().map(LauncherProcess::shellQuoted)
                .reduce((a, b) -> a + " " + b).orElseThrow();
        ProcessBuilder builder = new ProcessBuilder("script", "-qfec", "stty cols 200 rows 50; exec " + line,
                "/dev/null").directory(cwd.toFile());
        // A terminal type as people have; JLine's dumb terminal would complete and take Ctrl-C differently.
        builder.environment().put("TERM", "xterm-256color");
        return new LauncherProcess(builder.start());
    }

    private static String shellQuoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static List<String> command(Path tmpdir, Path deployDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(System.getProperty("blocklayer.jvm.flags", "").trim().split("\\s+")));
        if (tmpdir != null) {
            command.add("-Djava.io.tmpdir=" + tmpdir);
        }
        command.addAll(List.of("-jar", DIST.resolve("blocklayer.jar").toString(), "--deploy", deployDir.toString()));
        command.addAll(List.of(args));
        command.removeIf(String::isEmpty);
        return command;
    }

    /** Runs the launcher to its end with stdin closed at once: the {@code -c} mode, as a script uses it. */
    static Result run(Path deployDir, String... args) throws Exception {
        return runIn(null, deployDir, args);
    }

    /** {@link #run}, in working directory {@code cwd}. */
    static Result runIn(Path cwd, Path deployDir, String... args) throws Exception {
        return runIn(cwd, null, deployDir, args);
    }

    /** {@link #run}, in working directory {@code cwd} with {@code tmpdir} as in {@link #startIn}. */
    static Result runIn(Path cwd, Path tmpdir, Path deployDir, String... args) throws Exception {
        try (LauncherProcess launcher = startIn(cwd, tmpdir, deployDir, args)) {
            launcher.stdin.close();
            int status = launcher.awaitExit(RUN_LIMIT);
            return new Result(status, new ArrayList<>(launcher.stdout), launcher.stderr.toString());
        }
    }

    /**
     * A private deploy directory for one test: a copy of the distribution's deploy/ (the driver jars) or, with
     * {@code withDrivers} false, an empty one. Tests never touch the distribution itself.
     */
    static Path deployDir(Path parent, boolean withDrivers) throws IOException {
        Path deploy = Files.createDirectories(parent.resolve("deploy"));
        if (withDrivers) {
            try (Stream<Path> jars = Files.list(DIST.resolve("deploy"))) {
                for (Path jar : jars.toList()) {
                    Files.copy(jar, deploy.resolve(jar.getFileName()));
                }
            }
        }
        return deploy;
    }

    /** The distribution's jar of driver {@code name} ("file", "raw"). */
    static Path driverJar(String name) throws IOException {
        try (Stream<Path> jars = Files.list(DIST.resolve("deploy"))) {
            return jars.filter(j -> j.getFileName().toString().startsWith("org.blocklayer.driver." + name + "-"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + name + " driver jar in " + DIST.resolve("deploy")));
        }
    }

    /** Sends one line to the launcher's stdin. */
    void send(String line) {
        stdin.println(line);
    }

    /** The next stdout line, waiting at most {@code timeout}; null if none came. */
    String nextLine(Duration timeout) throws InterruptedException {
        return stdout.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code command} and returns its output lines. An {@code echo} of a marker after it (the batch modes'
     * builtin) prints a line that marks where the command's output ends.
     */
    List<String> call(String command, Duration timeout) throws InterruptedException {
        String marker = "--end-" + markers.incrementAndGet() + "--";
        send(command);
        send("echo " + marker);
        List<String> lines = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = nextLine(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (line == null) {
                throw new AssertionError("no answer to '" + command + "' within " + timeout + "; got " + lines
                        + "; stderr:\n" + stderr);
            }
            if (line.equals(marker)) {
                return lines;
            }
            lines.add(line);
        }
    }

    /** A terminal line without its escape sequences (CSI, OSC, keypad modes) and carriage returns. */
    private static String plain(String line) {
        return line.replaceAll("\u001b\\[[0-9;?]*[ -/]*[@-~]|\u001b\\][^\u0007\u001b]*(\u0007|\u001b\\\\)"
                + "|\u001b[=>()][0-9A-Za-z]?", "");
    }

    /** Sends characters as they are, without a line end (Ctrl-C to a terminal). */
    void sendRaw(String characters) {
        stdin.print(characters);
        stdin.flush();
    }

    /**
     * On a terminal: types {@code command}, then {@code echo} of a marker (Gogo's own echo), and returns what the
     * terminal showed in between, escape sequences and carriage returns taken out.
     */
    String terminalCall(String command, Duration timeout) throws InterruptedException {
        String marker = "end-" + markers.incrementAndGet() + "-mark";
        send(command);
        send("echo " + marker);
        StringBuilder shown = new StringBuilder();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = nextLine(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (line == null) {
                throw new AssertionError("no answer to '" + command + "' within " + timeout + "; terminal showed:\n"
                        + shown + "\nstderr:\n" + stderr);
            }
            String plain = plain(line).replace("\r", "");
            terminal.append(plain).append('\n');
            // The answer, not the typed line: "blocklayer> end-1-mark" or "end-1-mark", never "echo end-1-mark".
            if (plain.strip().endsWith(marker) && !plain.contains("echo ")) {
                return shown.toString();
            }
            shown.append(plain).append('\n');
        }
    }

    /** On a terminal: waits for a shown line (escape sequences taken out) that matches {@code regex}; that line. */
    String terminalWaitFor(String regex, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        StringBuilder shown = new StringBuilder();
        while (true) {
            String line = nextLine(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (line == null) {
                throw new AssertionError("no line matching " + regex + " within " + timeout + "; terminal showed:\n"
                        + shown + "\nstderr:\n" + stderr);
            }
            String plain = plain(line).replace("\r", "");
            terminal.append(plain).append('\n');
            shown.append(plain).append('\n');
            if (plain.strip().matches(regex)) {
                return plain.strip();
            }
        }
    }

    /** Everything a terminal launcher's screen showed so far, as {@link #terminalCall} cleaned it. */
    String terminalText() {
        StringBuilder text = new StringBuilder(terminal);
        for (String line; (line = stdout.poll()) != null; ) {
            text.append(plain(line).replace("\r", "")).append('\n');
        }
        return text.toString();
    }

    String stderr() {
        return stderr.toString();
    }

    /** Closes stdin and waits for the exit status; kills the launcher if it does not end within {@code limit}. */
    int awaitExit(Duration limit) throws InterruptedException {
        stdin.close();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the launcher did not exit within " + limit + "; stderr:\n" + stderr);
        }
        // The exit status comes before the last output is read: let the readers drain the pipes.
        stdoutReader.join(limit.toMillis());
        stderrReader.join(limit.toMillis());
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Thread pump(InputStream stream, Consumer<String> sink, String name) {
        Thread thread = Thread.ofPlatform().daemon().name("launcher-" + name).start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // The process has gone; what was read is kept.
            }
        });
        return thread;
    }
}
