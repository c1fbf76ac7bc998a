package org.blocklayer.shell.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * A failed {@code block:} command: a {@link BlockException} whose {@link #toString()} is the one line the shell shows,
 * {@code error: <message> (<ERRNO>)}.
 *
 * <p>Why {@code toString()}: the interactive shell (gogo.jline) prints an exception thrown by a command as
 * {@code e.toString()} and offers no hook to change that; a headless runner prints {@code "error: " + describe()}.
 * Both then show the same line. It stays a {@code BlockException}, so callers that catch those, read
 * {@link #errno()} or call {@link #describe()} keep working; the original failure is the cause.
 */
public final class CommandException extends BlockException {
    private static final long serialVersionUID = 1L;

    private CommandException(BlockException failure) {
        super(failure.errno(), failure.node(), failure.driver(), failure.detail(), failure);
    }

    private CommandException(Errno errno, String message) {
        super(errno, message);
    }

    /** The shell's report of {@code failure}: same errno, node, driver and message. */
    static CommandException of(BlockException failure) {
        return failure instanceof CommandException reported ? reported : new CommandException(failure);
    }

    /** A usage error (EINVAL): {@code <command>: <problem>; usage: <command> <synopsis>}. */
    static CommandException usage(String command, String synopsis, String problem) {
        return new CommandException(Errno.EINVAL,
                "block:" + command + ": " + problem + "; usage: block:" + command + " " + synopsis);
    }

    @Override
    public String toString() {
        return "error: " + describe();
    }
}
