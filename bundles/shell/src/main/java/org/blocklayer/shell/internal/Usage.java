package org.blocklayer.shell.internal;

import java.util.List;
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
        return exactly(List.of(what), args)[0];
    }

    /** Exactly the positional arguments named in {@code what}, in that order, none of them blank. */
    String[] exactly(List<String> what, String... args) throws CommandException {
        String[] words = words(args);
        if (words.length < what.size()) {
            String missing = what.get(words.length);
            // Gogo reads an unquoted #word as a comment, so a generated node name silently vanishes.
            throw error("missing " + missing + (missing.contains("NODE")
                    ? " (quote generated names: '#block123', Gogo reads # as a comment)" : ""));
        }
        if (words.length > what.size()) {
            throw error("unexpected argument '" + words[what.size()] + "'");
        }
        for (int i = 0; i < words.length; i++) {
            if (words[i].isBlank()) {
                throw error("empty " + what.get(i));
            }
        }
        return words;
    }

    /** The value of a flag that takes one ({@code -n NODE}); "" when the flag was absent. */
    String flagValue(String flag, String what, String value) throws CommandException {
        if (isOption(value)) {
            String article = "AEIOU".indexOf(what.charAt(0)) >= 0 ? "an " : "a ";
            throw error("option " + flag + " needs " + article + what + ", got option '" + value + "'");
        }
        return value;
    }

    /** The arguments as words, none of them an option. */
    String[] words(String... args) throws CommandException {
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
