package org.blocklayer.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;

/**
 * Runs commands through a Gogo session for the batch modes ({@code -c} and piped lines): each result printed on
 * {@code out} as soon as it is there, each failure as the one line {@code error: <text>} on {@code err}, and on to
 * the next command.
 *
 * <p>The input is read as plain words ({@link ShellWords}) and each command called with them, unless
 * {@code --gogo} asked for Gogo's script language, whose variables, redirections and closures a script that feeds
 * commands to blocklayer must not trip over by accident.
 */
final class CommandRunner {

    /**
     * The one builtin of the batch modes: prints its words on stdout, so that a script can label or separate the
     * results it reads (headless, Gogo's own echo is not there: it comes with the terminal shell).
     */
    static final String ECHO = "echo";

    private final GogoSession session;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean gogoScript;
    private boolean anyFailed;

    CommandRunner(GogoSession session, PrintStream out, PrintStream err, boolean gogoScript) {
        this.session = session;
        this.out = out;
        this.err = err;
        this.gogoScript = gogoScript;
    }

    /** Runs the commands of {@code script} ({@code ;} or line separated) in order. */
    void runScript(String script) {
        if (gogoScript) {
            for (String command : CommandSplitter.split(script)) {
                run(() -> session.execute(command));
            }
            return;
        }
        for (ShellWords.Command command : ShellWords.parse(script)) {
            if (command.failed()) {
                fail(command.error());
            } else if (command.words().getFirst().equals(ECHO)) {
                out.println(String.join(" ", command.words().subList(1, command.words().size())));
                out.flush();
            } else {
                run(() -> session.call(command.words()));
            }
        }
    }

    /** Runs each line as it arrives, until end of input or a line {@code exit}. */
    void runLines(BufferedReader in) throws IOException {
        String line;
        while ((line = in.readLine()) != null && !line.strip().equals("exit")) {
            runScript(line);
        }
    }

    boolean anyFailed() {
        return anyFailed;
    }

    private interface Command {
        Object run() throws Exception;
    }

    private void run(Command command) {
        try {
            Object result = command.run();
            if (result != null) {
                print(session.format(result));
            }
        } catch (Exception | LinkageError | AssertionError e) {
            fail(describe(e));
        }
    }

    private void fail(String text) {
        anyFailed = true;
        out.flush();
        err.println("error: " + text);
        err.flush();
    }

    private void print(String text) {
        if (text.isEmpty()) {
            return;
        }
        out.print(text);
        if (!text.endsWith("\n")) {
            out.println();
        }
        out.flush();
    }

    /**
     * What the operator reads for a failure: the exception's public {@code describe()} when it has one
     * (blocklayer's BlockException gives {@code message (ERRNO)}), else its message, else what kind of failure it
     * was in words: never a Java class name. The exception's class lives in a bundle, hence the reflection.
     */
    static String describe(Throwable failure) {
        try {
            Method describe = failure.getClass().getMethod("describe");
            if (describe.getReturnType() == String.class) {
                return (String) describe.invoke(failure);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // No describe() we can call: fall back to the message.
        }
        String message = failure.getMessage();
        if (failure.getClass().getName().equals("org.apache.felix.gogo.runtime.CommandNotFoundException")) {
            // Gogo's parser (--gogo) names the command in its message as "Command not found: NAME".
            return message;
        }
        if (message == null || message.isBlank()) {
            return "the command failed without a message (an internal " + words(failure) + "); please report it";
        }
        return message;
    }

    /** "null pointer exception" for NullPointerException: the kind of failure, not the class. */
    private static String words(Throwable failure) {
        return failure.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase();
    }
}
