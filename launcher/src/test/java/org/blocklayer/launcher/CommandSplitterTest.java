package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommandSplitterTest {

    @Test
    void splitsAtTopLevelSemicolonsAndLineEnds() {
        assertThat(CommandSplitter.split("block:open /tmp/a.img -n a; block:length a\nblock:nodes"))
                .containsExactly("block:open /tmp/a.img -n a", "block:length a", "block:nodes");
    }

    @Test
    void keepsSemicolonsInsideQuotesBracesBracketsAndParentheses() {
        assertThat(CommandSplitter.split("echo 'a;b' \"c;d\"; each [1 2] { echo $it; echo x }; (x; y)"))
                .containsExactly("echo 'a;b' \"c;d\"", "each [1 2] { echo $it; echo x }", "(x; y)");
    }

    @Test
    void escapedSemicolonAndQuoteDoNotSplit() {
        assertThat(CommandSplitter.split("echo a\\;b; echo \"x\\\";y\""))
                .containsExactly("echo a\\;b", "echo \"x\\\";y\"");
    }

    @Test
    void backslashIsLiteralInsideSingleQuotes() {
        assertThat(CommandSplitter.split("echo 'a\\'; echo b")).containsExactly("echo 'a\\'", "echo b");
    }

    @Test
    void dropsEmptyCommands() {
        assertThat(CommandSplitter.split(" ; ;\n a ;; ")).containsExactly("a");
        assertThat(CommandSplitter.split("")).isEmpty();
    }
}
