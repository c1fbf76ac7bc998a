package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.blocklayer.launcher.LauncherProcess.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's hostile-input test: seeded random command lines and option strings through piped stdin, {@code -c} and
 * the interactive shell (on a pseudo-terminal). After every input the process still answers {@code block:nodes}
 * with the graph it started with, no file appears outside the test's directory, and no Java exception class name
 * reaches the user. The seed is printed; {@code -Dhostile.seed=N} replays a run.
 */
class HostileInputIT {
    private static final Duration BOOT = Duration.ofSeconds(60);
    private static final Duration ANSWER = Duration.ofSeconds(30);
    /** A class name as a stack trace or a bare toString() shows it: java.lang.Foo, ...Exception, ...Error. */
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\b(?:java|javax|jdk|sun|org|com)\\.(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*|\\b\\w+(?:Exception|Error)\\b(?!\\))"
                    + "|\\tat \\w");
    /** The words of this test's own errors, which mention none of those. */
    private static final String[] COMMANDS = {"open", "block:open", "info", "length", "close", "read", "write", "dump",
        "flush", "resize", "refresh", "iothread", "move", "detach-timeout", "sg-capacity", "declared", "help",
        "nodes", "drivers", "bogus", "block:bogus", "=raw", "x=1", "{", "}", "$x", "'", "\"", ";", "#", "felix:",
        ".commands", "SCOPE"};
    private static final String[] WORDS = {"-n", "-n", "--iothread", "-r", "-P", "-z", "--", "-", "--help", "-h",
        "''", "\"\"", "'", "\"", "=raw", "=", ">junk", "2>&1", "|", "&", "{", "}", "(", ")", "[", "]", "$x", "${x}",
        "*", "?", "~", "\\", "null", "true", "0", "-1", "0x10", "1.5K", "9E", "8E", "1P", "99999999999999999999",
        "9223372036854775807", "0x", "1.5", "1k5", "4M", "2G", "base", "'base'", "nosuch", "#block1", "'#block1'",
        "io0", "main", "/nonexistent/x.img", "/dev/null", "/dev/zero", "nbd://127.0.0.1:1/x",
        "'nbd://127.0.0.1:1/%00%ff'", "nbd+unix:///x?socket=/nonexistent", "driver=raw", "driver=nosuch",
        "driver=raw,file.driver=file,file.filename=/nonexistent", "node-name=", "driver=raw,,", ",,", "a,b,c",
        "file.file.file.file.driver=raw", "\u00e9\u00e8", "\u0007", "\u001b[2J", "\r"};

    @TempDir
    Path dir;
    private Path base;
    /** The launchers' java.io.tmpdir: all theirs, so anything left in it is the launcher's. */
    private Path tmp;
    private Random random;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.write(dir.resolve("base.img"), new byte[1 << 20]);
        tmp = Files.createDirectory(dir.resolve("tmp"));
        long seed = Long.getLong("hostile.seed", System.nanoTime());
        System.err.println("HostileInputIT seed " + seed + " (replay with -Dhostile.seed=" + seed + ")");
        random = new Random(seed);
    }

    @AfterEach
    void nothingAppearedOutsideTheTestDirectory() throws IOException {
        // The launchers ran with their own java.io.tmpdir (framework cache, File Install's and JLine's files): other
        // processes on the machine cannot put anything there, so whatever is left is the launcher's.
        assertThat(new TreeSet<>(tmpEntries())).as("entries left in the launchers' java.io.tmpdir").isEmpty();
        try (Stream<Path> files = Files.list(Path.of("").toAbsolutePath())) {
            assertThat(files.map(p -> p.getFileName().toString())).as("files in the module directory")
                    .doesNotContain("junk", "x", "1", "&1");
        }
    }

    @Test
    void pipedLinesNeverHurtTheProcessOrTheGraph() throws Exception {
        try (LauncherProcess launcher = LauncherProcess.startIn(dir, tmp, LauncherProcess.deployDir(dir, true))) {
            launcher.send("block:open -r " + base + " -n base");
            assertThat(launcher.nextLine(BOOT)).isEqualTo("base");
            List<String> graph = launcher.call("block:nodes", ANSWER);
            for (int i = 0; i < 60; i++) {
                String input = line();
                launcher.send(input);
                List<String> after = launcher.call("block:nodes", ANSWER);
                assertThat(after.subList(Math.max(0, after.size() - graph.size()), after.size()))
                        .as("the graph after input %d: %s", i, input).isEqualTo(graph);
                assertThat(launcher.isAlive()).as("alive after input %d: %s", i, input).isTrue();
            }
            launcher.send("exit");
            assertThat(launcher.awaitExit(ANSWER)).isIn(0, 1);
            assertNoClassNames(launcher.stderr());
        }
    }

    @Test
    void commandStringsNeverHurtTheProcessOrTheGraph() throws Exception {
        Path deploy = LauncherProcess.deployDir(dir, true);
        for (int i = 0; i < 6; i++) {
            StringBuilder script = new StringBuilder("block:open -r " + base + " -n base");
            for (int j = 0; j < 5; j++) {
                script.append(random.nextBoolean() ? "; " : "\n").append(line());
            }
            // A quote left open swallows what follows; a line end after it starts nothing new. The last command
            // must run unless such a quote is open, and then the run must say so.
            // (A backslash at a line's end joins the next line to it, as in a POSIX shell: none before this one.)
            while (script.charAt(script.length() - 1) == '\\') {
                script.setLength(script.length() - 1);
            }
            script.append("\nblock:nodes");
            Result result = LauncherProcess.runIn(dir, tmp, deploy, "-c", script.toString());
            assertThat(result.status()).as("script %d:\n%s\nstderr:\n%s", i, script, result.stderr()).isIn(0, 1);
            if (!result.stderr().contains("unterminated")) {
                assertThat(result.stdout()).as("script %d:\n%s", i, script).anyMatch(l -> l.startsWith("base "));
            }
            assertNoClassNames(result.stderr());
            assertNoClassNames(String.join("\n", result.stdout()));
        }
    }

    /**
     * The terminal shell is Gogo's, whose script language stays: an open quote, brace or bracket there asks for the
     * rest of the line (a continuation prompt) by design. So each input here is a complete Gogo line, typed only
     * after the previous one was answered.
     */
    @Test
    void theInteractiveShellSurvivesToo() throws Exception {
        Path deploy = LauncherProcess.deployDir(dir, true);
        try (LauncherProcess launcher = LauncherProcess.startOnTerminal(dir, tmp, deploy)) {
            launcher.send("block:open -r '" + base + "' -n base");
            List<String> graph = nodeRows(launcher.terminalCall("block:nodes", BOOT));
            assertThat(graph).hasSize(2).anyMatch(row -> row.startsWith("base "));
            for (int i = 0; i < 25; i++) {
                String input = completeGogoLine();
                String shown = launcher.terminalCall(input, ANSWER);
                assertNoClassNames(shown);
                assertThat(nodeRows(launcher.terminalCall("block:nodes", ANSWER))).as("after input %d: %s", i, input)
                        .isEqualTo(graph);
            }
            launcher.send("exit");
            int status = launcher.awaitExit(BOOT);
            assertThat(status).as("the shell's exit status; the terminal showed:\n%s", launcher.terminalText()).isZero();
            assertNoClassNames(launcher.terminalText());
        }
    }

    /**
     * {@link #line()} without Gogo's script syntax: what makes it wait for more (quotes, brackets, a trailing
     * backslash), globs, pipes, redirections, variables and assignments, whose failures Gogo reports itself (with its
     * own class names: "no matches found" as java.io.IOException, a failed pipe as "gogo: CommandException"), and
     * raw bytes. Those are what the batch modes are for; here the block commands get every other hostile word.
     */
    private String completeGogoLine() {
        while (true) {
            String line = line();
            if (line.chars().noneMatch(c -> "'\"{}[]()\\#?*~|&;<>$=".indexOf(c) >= 0 || c < 0x20 || c >= 0x7f)) {
                return line;
            }
        }
    }

    /** One random command line: a command word and up to six argument words, or random bytes now and then. */
    private String line() {
        if (random.nextInt(8) == 0) {
            StringBuilder bytes = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) {
                char c = (char) random.nextInt(1, 256);
                bytes.append(c == '\n' || c == 0x03 || c == 0x1a || c == 0x04 || c == 0x1c ? ' ' : c);
            }
            return bytes.toString();
        }
        StringBuilder line = new StringBuilder(COMMANDS[random.nextInt(COMMANDS.length)]);
        for (int i = random.nextInt(7); i > 0; i--) {
            String word = WORDS[random.nextInt(WORDS.length)];
            if (line.toString().matches("(block:)?(close|resize|move|iothread)\\b.*") && word.contains("base")) {
                // Those would change the graph by succeeding, which is no failure to check.
                word = "nosuch";
            }
            line.append(' ').append(word);
        }
        if (random.nextInt(10) == 0) {
            line.append(" driver=raw").append(",file.driver=raw".repeat(random.nextInt(50, 1500)));
        }
        return line.toString();
    }

    private static void assertNoClassNames(String text) {
        assertThat(CLASS_NAME.matcher(text).results().map(r -> r.group()).toList())
                .as("exception class names in:\n%s", text).isEmpty();
    }

    private Set<String> tmpEntries() throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return new TreeSet<>(entries.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** The rows of block:nodes's table in what a terminal showed: "NAME  DRIVER  FILE  LENGTH". */
    private static List<String> nodeRows(String shown) {
        Pattern row = Pattern.compile("^(?:blocklayer> )?((?:base|#block\\d+)\\s+\\w+\\s+/\\S+\\s+\\d+)\\s*$");
        List<String> rows = new ArrayList<>();
        for (String line : shown.lines().toList()) {
            var m = row.matcher(line);
            if (m.matches()) {
                rows.add(m.group(1));
            }
        }
        return rows;
    }
}
