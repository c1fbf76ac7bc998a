package org.blocklayer.shell.internal;

import java.util.Objects;

/**
 * How a command is called ({@code block:open [-n NODE] [-r] FILENAME|OPTIONS}) and the checks of its positional
 * arguments, alike for every command: an unknown option, a missing, empty or extra argument is a usage error
 * (EINVAL) that names the command and repeats its synopsis.
 *
 * <p>Gogo takes the {@code @Parameter} flags out of the argument list wherever they stand and hands the rest over
 * as the command's {@code String...} parameter; what is left there is checked here. (A value-taking flag given last,
 * without its value, never reaches the command: Gogo fails to match the method and says so itself.)
 */
record Usage(String command, String synopsis) {

    CommandException error(String problem) {
        return CommandException.usage(command, synopsis, problem);
    }

    /** The single positional argument, named {@code what} in the synopsis. */
    String one(String what, String... args) throws CommandException {
        String[] words = words(args);
        if (words.length == 0) {
            throw error("missing " + what);
        }
        if (words.length > 1) {
            throw error("unexpected argument '" + words[1] + "'");
        }
        if (words[0].isBlank()) {
            throw error("empty " + what);
        }
        return words[0];
    }

    /** The value of a flag that takes one ({@code -n NODE}); "" when the flag was absent. */
    String flagValue(String flag, String what, String value) throws CommandException {
        if (isOption(value)) {
            throw error("option " + flag + " needs a " + what + ", got option '" + value + "'");
        }
        return value;
    }

    private String[] words(String... args) throws CommandException {
        String[] words = args == null ? new String[0] : new String[args.length];
        for (int i = 0; i < words.length; i++) {
            // Gogo turns the bare word null into a null argument; the user meant the word.
            words[i] = Objects.toString(args[i]);
            if (isOption(words[i])) {
                throw error("unknown option '" + words[i] + "'");
            }
        }
        return words;
    }

    private static boolean isOption(String word) {
        return word.length() > 1 && word.charAt(0) == '-';
    }
}
