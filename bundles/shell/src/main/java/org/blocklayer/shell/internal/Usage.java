package org.blocklayer.shell.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One {@code block:} command as the user meets it: its synopsis, a one-line summary, its options and arguments
 * described for help, and the parsing of its words against them.
 *
 * <p>Every command takes its arguments as plain words ({@code String...}) and parses them here, rather than through
 * Gogo's {@code @Parameter} matching: a flag given without its value or twice must be the command's own usage error
 * (EINVAL) naming the command, not Gogo's "Cannot coerce" failure to match a Java method. Options may stand before,
 * between or after the arguments; {@code --} ends them, so that a name starting with a dash can be given.
 *
 * @param command   the name without scope ({@code open})
 * @param synopsis  what follows the name in a usage line
 * @param summary   one line for {@code help block}
 * @param options   the options, in the order help lists them
 * @param arguments help lines for the positional arguments: {@code NAME} then its description
 */
record Usage(String command, String synopsis, String summary, List<Option> options, List<String[]> arguments) {

    /**
     * An option: its names ({@code -n}, {@code --node-name}), the value it takes ({@code NODE}) or null for a plain
     * switch, and one line of help.
     */
    record Option(List<String> names, String value, String help) {
        static Option flag(String shortName, String longName, String help) {
            return new Option(List.of(shortName, longName), null, help);
        }

        static Option valued(String shortName, String longName, String value, String help) {
            return new Option(shortName == null ? List.of(longName) : List.of(shortName, longName), value, help);
        }

        String key() {
            return names.getLast();
        }
    }

    /** A usage with no options. */
    Usage(String command, String synopsis, String summary, String... argumentHelp) {
        this(command, synopsis, summary, List.of(), pairs(argumentHelp));
    }

    /** A usage with options; {@code argumentHelp} alternates argument names and their help. */
    Usage(String command, String synopsis, String summary, List<Option> options, String... argumentHelp) {
        this(command, synopsis, summary, options, pairs(argumentHelp));
    }

    private static List<String[]> pairs(String... help) {
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < help.length; i += 2) {
            pairs.add(new String[] {help[i], help[i + 1]});
        }
        return List.copyOf(pairs);
    }

    CommandException error(String problem) {
        return CommandException.usage(command, synopsis, problem);
    }

    /** True when the words ask for this command's help ({@code -h} or {@code --help} alone). */
    static boolean asksHelp(String... args) {
        return args != null && args.length == 1 && ("-h".equals(args[0]) || "--help".equals(args[0]));
    }

    /**
     * The words as the user typed them: Gogo turns the bare word null into a null argument, and no words into a null
     * array; the user meant the word.
     */
    static String[] asTyped(String... args) {
        return args == null ? new String[0] : Arrays.stream(args).map(Objects::toString).toArray(String[]::new);
    }

    /**
     * Splits {@code args} into this command's options and its positional words; every option known, every value
     * present, none given twice.
     */
    Parsed parse(String... args) throws CommandException {
        Map<String, String> values = new HashMap<>();
        Set<String> switches = new LinkedHashSet<>();
        List<String> words = new ArrayList<>();
        boolean optionsEnded = false;
        String[] in = asTyped(args);
        for (int i = 0; i < in.length; i++) {
            String word = in[i];
            if (optionsEnded || !isOption(word)) {
                words.add(word);
                continue;
            }
            if (word.equals("--")) {
                optionsEnded = true;
                continue;
            }
            Option option = option(word);
            if (values.containsKey(option.key()) || switches.contains(option.key())) {
                throw error("option " + word + " given twice");
            }
            if (option.value() == null) {
                switches.add(option.key());
                continue;
            }
            if (i + 1 >= in.length) {
                throw error("option " + word + " needs " + article(option.value()) + option.value());
            }
            String value = in[++i];
            if (isOption(value)) {
                throw error("option " + word + " needs " + article(option.value()) + option.value() + ", got option '"
                        + value + "'");
            }
            values.put(option.key(), value);
        }
        return new Parsed(values, switches, words.toArray(String[]::new));
    }

    private Option option(String word) throws CommandException {
        for (Option option : options) {
            if (option.names().contains(word)) {
                return option;
            }
        }
        throw error("unknown option '" + word + "'" + (word.equals("-h") || word.equals("--help")
                ? " (give it alone for help: block:" + command + " --help)" : ""));
    }

    /** The single positional argument of a command without options, named {@code what} in the synopsis. */
    String one(String what, String... args) throws CommandException {
        return parse(args).exactly(List.of(what))[0];
    }

    /** Exactly the positional arguments named in {@code what}, for a command without options. */
    String[] exactly(List<String> what, String... args) throws CommandException {
        return parse(args).exactly(what);
    }

    /** The positional words of a command without options. */
    String[] words(String... args) throws CommandException {
        return parse(args).words();
    }

    /** The words of one call: option values by their long name, switches given, positional words. */
    final class Parsed {
        private final Map<String, String> values;
        private final Set<String> switches;
        private final String[] words;

        private Parsed(Map<String, String> values, Set<String> switches, String[] words) {
            this.values = values;
            this.switches = switches;
            this.words = words;
        }

        /** The value of the option whose long name is {@code longName}, or null when it was not given. */
        String value(String longName) {
            return values.get(longName);
        }

        boolean has(String longName) {
            return switches.contains(longName) || values.containsKey(longName);
        }

        String[] words() {
            return words.clone();
        }

        /** Exactly the positional words named in {@code what}, in that order, none of them blank. */
        String[] exactly(List<String> what) throws CommandException {
            if (words.length < what.size()) {
                String missing = what.get(words.length);
                // Gogo reads an unquoted #word as a comment, so a generated node name silently vanishes.
                throw error("missing " + missing + (missing.contains("NODE")
                        ? " (quote generated names: '#block123', Gogo reads # as a comment)" : ""));
            }
            if (words.length > what.size()) {
                throw error("unexpected argument '" + Printable.of(words[what.size()]) + "'");
            }
            for (int i = 0; i < words.length; i++) {
                if (words[i].isBlank()) {
                    throw error("empty " + what.get(i));
                }
            }
            return words.clone();
        }
    }

    /** The help text: summary, usage line, options and arguments, as {@code help block:NAME} prints it. */
    String help() {
        StringBuilder text = new StringBuilder("block:").append(command).append(" - ").append(summary).append('\n');
        text.append("usage: block:").append(command).append(' ').append(synopsis).append('\n');
        List<String[]> rows = new ArrayList<>();
        for (Option o : options) {
            rows.add(new String[] {String.join(", ", o.names()) + (o.value() == null ? "" : " " + o.value()), o.help()});
        }
        rows.addAll(arguments);
        rows.add(new String[] {"-h, --help", "this help"});
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        for (String[] row : rows) {
            text.append("  ").append(row[0]).append(" ".repeat(width - row[0].length() + 2)).append(row[1]).append('\n');
        }
        return text.toString();
    }

    private static String article(String what) {
        return "AEIOU".indexOf(what.charAt(0)) >= 0 ? "an " : "a ";
    }

    private static boolean isOption(String word) {
        return word.length() > 1 && word.charAt(0) == '-' && !Character.isDigit(word.charAt(1));
    }
}
