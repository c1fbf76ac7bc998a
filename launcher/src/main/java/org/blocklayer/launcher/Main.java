package org.blocklayer.launcher;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * Starts blocklayer: Felix with the bundles of bundle/, File Install on deploy/, then commands from the terminal,
 * from {@code -c}, or from stdin line by line. See {@link Arguments#USAGE}.
 *
 * <p>Exit status: 0, or 1 when a command failed, or 2 when the launcher itself could not run.
 */
public final class Main {

    private static final String SLF4J_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
    private static final String SLF4J_WEBCONSOLE_LEVEL = "org.slf4j.simpleLogger.log.org.apache.felix.webconsole";
    private static final String JLINE_TMPDIR = "jline.tmpdir";

    private Main() {
    }

    public static void main(String[] argv) {
        // Felix leaves non-daemon threads behind: only an explicit exit ends the JVM for sure.
        System.exit(exitStatus(argv));
    }

    private static int exitStatus(String[] argv) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("blocklayer: " + e.getMessage());
            System.err.print(Arguments.USAGE);
            return 2;
        }
        try {
            return run(arguments);
        } catch (LaunchException e) {
            System.err.println("blocklayer: " + e.getMessage());
            return 2;
        } catch (Throwable t) {
            // One line for the operator; the trace only when asked for, since it is for us, not for them.
            System.err.println("blocklayer: cannot run: " + CommandRunner.describe(t));
            if (System.getenv("BLOCKLAYER_DEBUG") != null) {
                t.printStackTrace();
            }
            return 2;
        }
    }

    private static int run(Arguments arguments) throws Exception {
        if (arguments.help()) {
            System.out.print(Arguments.USAGE);
            return 0;
        }
        Mode mode = Mode.of(arguments);

        // The process's own streams, taken before Gogo replaces System.out and System.err with its per-thread
        // streams: a session given those as its output would write into itself.
        PrintStream results = System.out;
        PrintStream errors = System.err;
        if (mode != Mode.INTERACTIVE) {
            // Headless, stdout carries results and nothing else, so that scripts can use it. Whatever else writes
            // to System.out (Felix, SCR, File Install diagnostics) goes to stderr.
            System.setOut(System.err);
        }
        Distribution distribution = Distribution.locate(arguments.deployDir());
        distribution.useLoggingConfig();
        keepJlineNativesIn(distribution);
        // Felix Health Checks log through SLF4J's simple binding (bundle/), which reads system properties: warnings
        // and errors only, on stderr, like the OSGi log below.
        if (System.getProperty(SLF4J_LEVEL) == null) {
            System.setProperty(SLF4J_LEVEL, "warn");
        }
        // The Web Console 5 warns at every start that its own built-in pages use the javax servlet API ("Legacy
        // webconsole plugin found"), which Jetty 12 still serves: nothing an operator can act on.
        if (System.getProperty(SLF4J_WEBCONSOLE_LEVEL) == null) {
            System.setProperty(SLF4J_WEBCONSOLE_LEVEL, "error");
        }
        Map<String, String> properties = FrameworkProperties.load(distribution);
        if (arguments.qmp() != null) {
            properties.put(Arguments.QMP_PROPERTY, arguments.qmp());
        }
        if (arguments.web() != null) {
            String refusal = arguments.web().refusal(properties, distribution.deploy());
            if (refusal != null) {
                throw new LaunchException(refusal);
            }
            properties.putAll(arguments.web().properties());
        }
        Duration readyTimeout = FrameworkProperties.readyTimeout(properties);

        try (FrameworkBoot boot = FrameworkBoot.init(properties)) {
            // Ctrl-C or a kill still stops the bundles (closing their nodes) and removes the framework cache.
            Runtime.getRuntime().addShutdownHook(new Thread(boot::close, "blocklayer-shutdown"));
            List<Bundle> installed = boot.install(distribution.bundleJars());
            try (LogToStderr log = LogToStderr.open(boot.context(), errors);
                 ReadyWait ready = ReadyWait.watch(boot.context(), distribution.deployJars())) {
                boot.start(StartOrder.atBoot(installed, arguments.qmp() != null));
                Runnable startQmp = () -> startQmp(boot, installed, arguments);
                if (mode == Mode.INTERACTIVE) {
                    return interactive(boot, installed, ready, readyTimeout, startQmp);
                }
                return headless(boot, arguments, ready, readyTimeout, results, errors, startQmp);
            }
        }
    }

    /** With {@code --qmp}: the QMP server's bundle, held back at boot, starts once the ready wait is over. */
    private static void startQmp(FrameworkBoot boot, List<Bundle> installed, Arguments arguments) {
        if (arguments.qmp() == null) {
            return;
        }
        try {
            boot.startBundles(StartOrder.qmp(installed));
        } catch (BundleException e) {
            System.err.println("blocklayer: cannot start the QMP server: " + e.getMessage());
        }
    }

    private static int interactive(FrameworkBoot boot, List<Bundle> installed, ReadyWait ready, Duration readyTimeout,
            Runnable startQmp) throws Exception {
        try (GogoSession quiet = GogoSession.open(boot.context(), readyTimeout, nowhere(), nowhere())) {
            reportMissing(ready.await(readyTimeout, quiet::knowsScope), readyTimeout);
        }
        startQmp.run();
        System.out.println("blocklayer " + version() + ": Gogo shell, block commands need no 'block:' prefix; "
                + "'help' lists them, 'exit' quits.");
        Console.start(installed);
        boot.awaitStop();
        return 0;
    }

    private static int headless(FrameworkBoot boot, Arguments arguments, ReadyWait ready, Duration readyTimeout,
            PrintStream results, PrintStream errors, Runnable startQmp) throws Exception {
        try (GogoSession session = GogoSession.open(boot.context(), readyTimeout, results, errors)) {
            reportMissing(ready.await(readyTimeout, session::knowsScope), readyTimeout);
            startQmp.run();
            CommandRunner runner = new CommandRunner(session, results, errors, arguments.gogoScript());
            if (arguments.commands() != null) {
                runner.runScript(arguments.commands());
            } else {
                runner.runLines(new BufferedReader(new InputStreamReader(System.in)));
            }
            int status = runner.anyFailed() ? 1 : 0;
            if (arguments.qmp() != null || arguments.web() != null) {
                // A QMP server, as qemu-storage-daemon, or the Web Console: it serves until QMP's quit or a signal
                // stops the framework.
                boot.awaitStop();
            }
            return status;
        }
    }

    private static void reportMissing(List<String> missing, Duration readyTimeout) {
        if (!missing.isEmpty()) {
            System.err.println("blocklayer: not ready after " + readyTimeout.toSeconds() + " s, carrying on without: "
                    + String.join("; ", missing));
        }
    }

    /**
     * JLine unpacks its native terminal library into java.io.tmpdir and leaves it there after exit; in the
     * distribution's lib/native instead (JLine removes its own old copies at the next start), unless that is not
     * writable.
     */
    private static void keepJlineNativesIn(Distribution distribution) {
        if (System.getProperty(JLINE_TMPDIR) != null) {
            return;
        }
        try {
            Path dir = java.nio.file.Files.createDirectories(distribution.home().resolve("lib").resolve("native"));
            if (java.nio.file.Files.isWritable(dir)) {
                System.setProperty(JLINE_TMPDIR, dir.toString());
            }
        } catch (java.io.IOException | SecurityException e) {
            // A read-only distribution: JLine uses java.io.tmpdir as it would anyway.
        }
    }

    private static PrintStream nowhere() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    private static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version != null ? version : "(development build)";
    }
}
