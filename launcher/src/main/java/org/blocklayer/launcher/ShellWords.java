package org.blocklayer.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the batch modes' input ({@code -c} and piped lines) as a POSIX shell reads a simple command: words split at
 * blanks, {@code '...'} taken literally, {@code "..."} with backslash escaping only {@code " \ $ `}, a backslash
 * outside quotes escaping the next character, commands separated by {@code ;} or a line end, and a line whose first
 * word starts with {@code #} a comment. Nothing else is special: no variables, no globs, no redirections, no
 * pipes, no closures, so {@code =raw}, {@code >x} or {@code $x} reach the command as the words they are. (Unlike a
 * POSIX shell, a {@code #} inside a command is an ordinary character: {@code block:info #block1} names a node.)
 *
 * <p>An unterminated quote is an error for the command it starts in; everything after it belongs to the quote, so
 * nothing after it runs either.
 */
final class ShellWords {

    /** One command of the input: its words, or why it cannot run. */
    record Command(List<String> words, String text, String error) {
        boolean failed() {
            return error != null;
        }
    }

    private ShellWords() {
    }

    static List<Command> parse(CharSequence input) {
        List<Command> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        int start = 0;
        int i = 0;
        int n = input.length();
        while (i < n) {
            char c = input.charAt(i);
            if (c == '#' && word == null && words.isEmpty()) {
                while (i < n && input.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == ';' || c == '\n') {
                word = flush(words, word);
                add(commands, words, input, start, i);
                start = ++i;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r') {
                word = flush(words, word);
                i++;
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '\\') {
                if (i + 1 < n && input.charAt(i + 1) != '\n') {
                    word.append(input.charAt(i + 1));
                }
                i += 2;
            } else if (c == '\'' || c == '"') {
                int close = closingQuote(input, i, c, word);
                if (close < 0) {
                    while (Character.isWhitespace(input.charAt(start))) {
                        start++;
                    }
                    commands.add(new Command(List.of(), input.subSequence(start, n).toString().strip(),
                            "unterminated " + c + " quote at character " + (i - start + 1)
                                    + " of this command: nothing from it on was run"));
                    return commands;
                }
                i = close + 1;
            } else {
                word.append(c);
                i++;
            }
        }
        flush(words, word);
        add(commands, words, input, start, n);
        return commands;
    }

    /** Appends the quoted text starting at {@code open} to {@code word}; the index of the closing quote, or -1. */
    private static int closingQuote(CharSequence input, int open, char quote, StringBuilder word) {
        for (int i = open + 1; i < input.length(); i++) {
            char c = input.charAt(i);
            if (c == quote) {
                return i;
            }
            if (quote == '"' && c == '\\' && i + 1 < input.length() && "\"\\$`\n".indexOf(input.charAt(i + 1)) >= 0) {
                if (input.charAt(++i) != '\n') {
                    word.append(input.charAt(i));
                }
                continue;
            }
            word.append(c);
        }
        return -1;
    }

    private static StringBuilder flush(List<String> words, StringBuilder word) {
        if (word != null) {
            words.add(word.toString());
        }
        return null;
    }

    private static void add(List<Command> commands, List<String> words, CharSequence input, int start, int end) {
        if (!words.isEmpty()) {
            commands.add(new Command(List.copyOf(words), input.subSequence(start, end).toString().strip(), null));
            words.clear();
        }
    }
}
