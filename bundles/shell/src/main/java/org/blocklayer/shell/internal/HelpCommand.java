package org.blocklayer.shell.internal;

import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Component;

/**
 * {@code block:help [COMMAND]}: a one-screen overview of the block commands, one command's help, or a topic. The
 * shell's profile looks {@code block} up first, so a bare {@code help} is this one; for a command of another scope
 * it hands over to Gogo's own help ({@code felix:help}).
 */
@Component(service = Function.class, property = {"osgi.command.scope=block", "osgi.command.function=help"})
public final class HelpCommand implements Function {
    static final String NUMBERS = """
            numbers (OFFSET, LENGTH, SIZE) are read as qemu-io reads them (QEMU's qemu_strtosz):
              decimal (4096; 010 is ten) or hexadecimal with 0x (0x10 is 16)
              an optional suffix b, k, m, g, t, p, e (either case), in powers of 1024: 4k is 4096, 1E is 2^60
              in hexadecimal b and e are digits (0x1e is 30), k to p still suffixes (0x10k, deprecated in QEMU)
              a fraction only with a suffix other than b: 1.5K is 1536, rounded to the byte; 1.5 alone is refused
              blanks before the number only; no sign but +; these errors are EINVAL
              above 2^63-1 (8E, 0x8000000000000000) is ERANGE
            """;

    @SuppressWarnings("unused")
    public HelpCommand() {
    }

    /**
     * A {@link Function}, not a method Gogo matches by reflection: Gogo turns a bare {@code null} into a null
     * argument, which it cannot hand to a method that also takes the session ("argument type mismatch").
     */
    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws Exception {
        return help(session, arguments.stream().map(String::valueOf).toArray(String[]::new));
    }

    Object help(CommandSession session, String... args) throws Exception {
        if (Usage.asksHelp(args)) {
            return Catalogue.HELP.help();
        }
        String[] words = Catalogue.HELP.parse(args).words();
        if (words.length == 0 || words.length == 1 && (words[0].equals("block") || words[0].equals("block:"))) {
            return overview();
        }
        if (words.length > 1) {
            throw Catalogue.HELP.error("unexpected argument '" + Printable.of(words[1]) + "'");
        }
        String name = words[0];
        if (name.equals("numbers") || name.equals("block:numbers")) {
            return NUMBERS;
        }
        Usage usage = Catalogue.find(name);
        if (usage != null) {
            return usage.help();
        }
        return GogoHelp.of(session, name);
    }

    static String overview() {
        StringBuilder text = new StringBuilder("block commands (scope block; the block: prefix may be left out):\n");
        List<String[]> rows = new java.util.ArrayList<>();
        for (Usage u : Catalogue.ALL) {
            Catalogue.Line line = Catalogue.OVERVIEW_LINES.stream().filter(l -> l.commands().contains(u)).findFirst()
                    .orElse(null);
            if (line == null) {
                rows.add(new String[] {u.command(), u.summary()});
            } else if (line.commands().getFirst() == u) {
                rows.add(new String[] {String.join(", ", line.commands().stream().map(Usage::command).toList()),
                    line.summary()});
            }
        }
        // The column fits single names; a joined line's names run past it.
        int width = Catalogue.ALL.stream().mapToInt(u -> u.command().length()).max().orElse(0);
        for (String[] r : rows) {
            text.append("  ").append(r[0]).append(" ".repeat(Math.max(width - r[0].length(), 0) + 2)).append(r[1])
                    .append('\n');
        }
        // One line, so that the overview stays one screen (24 lines) with every command in it.
        text.append("help COMMAND (or COMMAND --help): one command; help numbers: how sizes are read; help gogo:"
                + " Gogo's own; Tab completes; 'exit' quits.\n");
        return text.toString();
    }
}
