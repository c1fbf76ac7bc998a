package org.blocklayer.api.error;

/**
 * Text from users and peers made safe to show on a terminal. A file name, an NBD export name ({@code %00%ff} in a
 * URI) or a server's message can hold NUL, escape sequences or bidirectional overrides; echoed as they are, they
 * garble the terminal or make the message say something else. Every {@link BlockException} message goes through
 * here, so no driver has to remember it.
 */
public final class Printable {
    private Printable() {
    }

    /**
     * {@code text} with every character that is not printable written as an escape: {@code \xNN} below U+0100
     * (control characters, DEL, C1 controls), {@code \x{NNNN}} above (format characters such as U+202E, line and
     * paragraph separators, lone surrogates, unassigned code points). Printable text, including non-ASCII letters
     * and the backslash, is left as it is, so escaping twice changes nothing more.
     */
    public static String escape(String text) {
        if (text == null || text.codePoints().allMatch(Printable::printable)) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(cp -> {
            if (printable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp < 0x100) {
                sb.append(String.format("\\x%02x", cp));
            } else {
                sb.append(String.format("\\x{%04x}", cp));
            }
        });
        return sb.toString();
    }

    private static boolean printable(int cp) {
        if (cp >= 0x20 && cp < 0x7f) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.UNASSIGNED -> false;
            default -> true;
        };
    }
}
