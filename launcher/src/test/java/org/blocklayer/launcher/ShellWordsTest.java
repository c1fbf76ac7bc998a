package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.blocklayer.launcher.ShellWords.Command;
import org.junit.jupiter.api.Test;

/** Issue 9 item 4: batch input is plain words and POSIX quoting, nothing of Gogo's script language. */
class ShellWordsTest {

    private static List<List<String>> words(String input) {
        return ShellWords.parse(input).stream().map(Command::words).toList();
    }

    @Test
    void wordsSplitAtBlanksAndCommandsAtSemicolonsAndLineEnds() {
        assertThat(words("block:open /tmp/a.img -n a; block:length a\n  info   a  \n;;\n"))
                .containsExactly(List.of("block:open", "/tmp/a.img", "-n", "a"), List.of("block:length", "a"),
                        List.of("info", "a"));
    }

    @Test
    void quotesAndBackslashesAsInAPosixShell() {
        assertThat(words("open 'a b;c' \"d \\\"e\\\" \\$f \\x\" g\\ h '' \"\" it's'")).containsExactly(
                List.of("open", "a b;c", "d \"e\" $f \\x", "g h", "", "", "its"));
    }

    @Test
    void gogoSyntaxIsPlainCharacters() {
        assertThat(words("block:open =raw")).containsExactly(List.of("block:open", "=raw"));
        assertThat(words("x = 5")).containsExactly(List.of("x", "=", "5"));
        assertThat(words("read r 0 1 >junk 2>&1 | grep x")).containsExactly(
                List.of("read", "r", "0", "1", ">junk", "2>&1", "|", "grep", "x"));
        assertThat(words("info $node {x} [y] (z) *")).containsExactly(
                List.of("info", "$node", "{x}", "[y]", "(z)", "*"));
    }

    @Test
    void aHashStartsACommentOnlyAtACommandsStart() {
        assertThat(words("# a comment; still comment\ninfo #block12 # not a comment\n  #x")).containsExactly(
                List.of("info", "#block12", "#", "not", "a", "comment"));
    }

    @Test
    void anUnterminatedQuoteIsAnErrorAndRunsNothingAfterIt() {
        List<Command> commands = ShellWords.parse("length a; open 'oops; length b\nlength c");
        assertThat(commands).hasSize(2);
        assertThat(commands.get(0).words()).containsExactly("length", "a");
        assertThat(commands.get(1).failed()).isTrue();
        assertThat(commands.get(1).error()).isEqualTo(
                "unterminated ' quote at character 6 of this command: nothing from it on was run");
        assertThat(ShellWords.parse("info \"x").getFirst().error()).startsWith("unterminated \" quote");
    }
}
