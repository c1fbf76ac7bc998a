package org.blocklayer.shell.internal;

import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Component;

/**
 * Gogo's fallback for a name no command has: its parser calls a function named {@code default} with the name as
 * first argument before it gives up. Without this the interactive shell prints Gogo's own
 * {@code org.apache.felix.gogo.runtime.CommandNotFoundException: Command not found: x}, a class name and no errno.
 * (The price: {@code default} is among the names Tab completes.)
 */
@Component(service = Function.class, property = {"osgi.command.scope=block", "osgi.command.function=default"})
public final class UnknownCommand implements Function {

    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws CommandException {
        throw error(arguments.isEmpty() ? "" : String.valueOf(arguments.getFirst()));
    }

    /** The one error for an unknown name, alike in the interactive shell and the batch modes. */
    public static CommandException error(String name) {
        return CommandException.of(new org.blocklayer.api.error.BlockException(
                org.blocklayer.api.error.Errno.EINVAL, "unknown command '" + Printable.of(name)
                        + "'; 'help' lists the block commands, 'help gogo' all others"));
    }
}
