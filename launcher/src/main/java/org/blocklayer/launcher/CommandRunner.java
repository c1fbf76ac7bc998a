package org.blocklayer.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;

/**
 * Runs commands through a Gogo session for the headless modes: each result printed on {@code out} as soon as it
 * is there, each failure as {@code error: <text>} on {@code err}, and on to the next command.
 */
final class CommandRunner {

    private final GogoSession session;
    private final PrintStream out;
    private final PrintStream err;
    private boolean anyFailed;

    CommandRunner(GogoSession session, PrintStream out, PrintStream err) {
        this.session = session;
        this.out = out;
        this.err = err;
    }

    /** Runs the {@code ;}-separated commands of {@code script} in order. */
    void runScript(String script) {
        for (String command : CommandSplitter.split(script)) {
            run(command);
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

    private void run(String command) {
        try {
            Object result = session.execute(command);
            if (result != null) {
                print(session.format(result));
            }
        } catch (Exception e) {
            anyFailed = true;
            out.flush();
            err.println("error: " + describe(e));
            err.flush();
        }
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
     * (blocklayer's BlockException gives {@code message (ERRNO)}), else its message. The exception's class lives
     * in a bundle, hence the reflection.
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
        return failure.getMessage() != null ? failure.getMessage() : failure.toString();
    }
}
