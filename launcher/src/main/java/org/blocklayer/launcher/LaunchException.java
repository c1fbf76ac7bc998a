package org.blocklayer.launcher;

/**
 * The launcher cannot run as asked, for a reason the user can fix: its message is one line, naming what is wrong
 * (for example {@code --deploy /x: no such directory}), printed without a stack trace, exit status 2.
 */
final class LaunchException extends Exception {

    private static final long serialVersionUID = 1L;

    LaunchException(String message) {
        super(message);
    }
}
