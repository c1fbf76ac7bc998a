package org.blocklayer.shell.internal;

/**
 * A user's text made safe to echo on a terminal: control characters (a NUL, an escape sequence, a carriage return
 * from a hostile script) become {@code \xNN}, and a backslash becomes two, so nothing the user typed can move the
 * cursor or clear the screen when an error repeats it.
 */
final class Printable {
    private Printable() {
    }

    static String of(String text) {
        if (text == null) {
            return "null";
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
