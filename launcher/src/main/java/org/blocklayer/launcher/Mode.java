package org.blocklayer.launcher;

import java.io.Console;

/** How the launcher takes its commands. */
enum Mode {
    /** Gogo's line editor on the terminal. */
    INTERACTIVE,
    /** The {@code -c} string, then exit. */
    COMMANDS,
    /** Lines from a stdin that is not a terminal (a pipe, a file, a test), each run as it arrives. */
    LINES;

    static Mode of(Arguments arguments) {
        if (arguments.commands() != null) {
            return COMMANDS;
        }
        // isTerminal, not console() != null: since JDK 22 there is a Console even when stdin is a pipe.
        Console console = System.console();
        return console != null && console.isTerminal() ? INTERACTIVE : LINES;
    }
}
