package org.blocklayer.shell.internal;

import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * Help for a command that is not a block command: Gogo's own {@code felix:help} (gogo.command), called as a function
 * with the name as a plain word, never through Gogo's script parser, which would read a {@code >} in it as a
 * redirection.
 */
final class GogoHelp {
    static final String FUNCTION = "felix:help";

    private GogoHelp() {
    }

    /** What {@code felix:help} prints for {@code name} ({@code gogo}: the list of every command), or an error. */
    static Object of(CommandSession session, String name) throws Exception {
        Object help = session.get(FUNCTION);
        if (!(help instanceof Function function)) {
            throw new BlockException(Errno.ENOENT, "no help for '" + Printable.of(name)
                    + "': it is no block command, and Gogo's help (" + FUNCTION + ") is not deployed");
        }
        return function.execute(session, name.equals("gogo") ? List.of() : List.of(name));
    }
}
