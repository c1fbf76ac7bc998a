package org.blocklayer.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command string into Gogo commands at top-level {@code ;} and line ends: those outside quotes, braces,
 * brackets and parentheses, where Gogo itself would end a statement. The launcher runs the pieces one by one so
 * that each result is printed and a failure does not stop the rest.
 */
final class CommandSplitter {

    private CommandSplitter() {
    }

    static List<String> split(CharSequence script) {
        List<String> commands = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (c == '\\' && quote != '\'' && i + 1 < script.length()) {
                current.append(c).append(script.charAt(++i));
                continue;
            }
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '{' || c == '[' || c == '(') {
                depth++;
            } else if ((c == '}' || c == ']' || c == ')') && depth > 0) {
                depth--;
            } else if ((c == ';' || c == '\n') && depth == 0) {
                add(commands, current);
                continue;
            }
            current.append(c);
        }
        add(commands, current);
        return commands;
    }

    private static void add(List<String> commands, StringBuilder command) {
        String text = command.toString().strip();
        if (!text.isEmpty()) {
            commands.add(text);
        }
        command.setLength(0);
    }
}
