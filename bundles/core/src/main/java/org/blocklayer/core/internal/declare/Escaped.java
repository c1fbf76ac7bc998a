package org.blocklayer.core.internal.declare;

/**
 * Text from a configuration file made safe to print: a .cfg of random bytes must not put raw control bytes on the
 * operator's terminal or in the log. Control characters and what is not text (U+FFFD from undecodable bytes,
 * unpaired surrogates, unassigned code points) become {@code \xNN} or {@code \\uNNNN}; everything else is kept.
 */
final class Escaped {
    private Escaped() {
    }

    /** {@code text} with every unprintable character escaped; null stays null. */
    static String of(String text) {
        if (text == null || text.codePoints().allMatch(Escaped::printable)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(c -> {
            if (printable(c)) {
                out.appendCodePoint(c);
            } else if (c < 0x100) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.append(String.format("\\u%04x", c));
            }
        });
        return out.toString();
    }

    private static boolean printable(int c) {
        if (Character.isISOControl(c) || c == 0xfffd) {
            return false;
        }
        int type = Character.getType(c);
        return type != Character.SURROGATE && type != Character.UNASSIGNED && type != Character.PRIVATE_USE
                && type != Character.FORMAT;
    }
}
