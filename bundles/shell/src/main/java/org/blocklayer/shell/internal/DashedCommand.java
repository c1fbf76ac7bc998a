package org.blocklayer.shell.internal;

import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;

/**
 * A {@code block:} command whose name has a dash ({@code sg-capacity}, {@code detach-timeout}): Gogo calls a Java
 * method only by its name, so such a command is a {@link Function}. This base gives it words as arguments and
 * {@code --help}/{@code -h}, answered with its {@link Usage}'s help text.
 */
abstract class DashedCommand implements Function {
    private final Usage usage;

    DashedCommand(Usage usage) {
        this.usage = usage;
    }

    @Override
    public final Object execute(CommandSession session, List<Object> arguments) throws CommandException {
        String[] args = arguments.stream().map(String::valueOf).toArray(String[]::new);
        if (Usage.asksHelp(args)) {
            return usage.help();
        }
        return run(args);
    }

    /** The command itself, with its arguments as words. */
    abstract Object run(String[] args) throws CommandException;
}
