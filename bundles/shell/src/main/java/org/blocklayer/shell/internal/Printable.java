package org.blocklayer.shell.internal;

/**
 * A user's text made safe to echo on a terminal: control characters (a NUL, an escape sequence, a carriage return
 * from a hostile script) become {@code \xNN}, a backslash becomes two, and a very long word is cut short, so nothing
 * the user typed can move the cursor, clear the screen or flood it when an error repeats it.
 */
final class Printable {
    private Printable() {
    }

    /** Beyond this a word is cut short in an error: the error is for a person to read. */
    static final int MAX = 80;

    static String of(String text) {
        if (text == null) {
            return "null";
        }
        if (text.length() > MAX) {
            return of(text.substring(0, MAX)) + "... (" + text.length() + " characters)";
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean plain = c >= 0x20 && c != 0x7f && c != '\\' && !(c >= 0x80 && c < 0xa0);
            if (plain && out == null) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (plain) {
                out.append(c);
            } else if (c == '\\') {
                out.append("\\\\");
            } else {
                out.append(String.format("\\x%02x", (int) c));
            }
        }
        return out == null ? text : out.toString();
    }
}
