package org.blocklayer.api.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrintableTest {

    @Test
    void controlCharactersAreEscapedInEveryBlockExceptionMessage() {
        // What nbd://host/%00%1b%ff decodes to: NUL, ESC and the replacement character.
        BlockException e = new BlockException(Errno.ENOENT, "export '\u0000\u001b[2J\ufffd' not available");
        assertThat(e.getMessage()).isEqualTo("export '\\x00\\x1b[2J\ufffd' not available");
        assertThat(e.describe()).isEqualTo("export '\\x00\\x1b[2J\ufffd' not available (ENOENT)");
        assertThat(e.withNode("n", "nbd").getMessage())
                .isEqualTo("node 'n', driver 'nbd': export '\\x00\\x1b[2J\ufffd' not available");
    }

    @Test
    void deleteC1FormatAndSeparatorCharactersToo() {
        assertThat(Printable.escape("a\u007fb\u0085c\u202ed\u2028e\r\n\t"))
                .isEqualTo("a\\x7fb\\x85c\\x{202e}d\\x{2028}e\\x0d\\x0a\\x09");
    }

    @Test
    void printableTextIsLeftAloneAndEscapingTwiceChangesNothing() {
        String text = "/tmp/été/日本/\\x00 ok";
        assertThat(Printable.escape(text)).isSameAs(text);
        String once = Printable.escape("a\u0000b");
        assertThat(Printable.escape(once)).isEqualTo(once).isEqualTo("a\\x00b");
    }
}
