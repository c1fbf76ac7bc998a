package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommandRunnerTest {

    /** Shaped like blocklayer's BlockException, which the launcher cannot see at compile time. */
    public static final class Describing extends Exception {
        Describing(String message) {
            super(message);
        }

        public String describe() {
            return getMessage() + " (ENOENT)";
        }
    }

    @Test
    void failureTextIsDescribeWhenTheExceptionHasIt() {
        assertThat(CommandRunner.describe(new Describing("no node 'x'"))).isEqualTo("no node 'x' (ENOENT)");
    }

    @Test
    void failureTextIsTheMessageOtherwise() {
        assertThat(CommandRunner.describe(new IllegalStateException("Command not found: block:nope")))
                .isEqualTo("Command not found: block:nope");
        assertThat(CommandRunner.describe(new NullPointerException())).isEqualTo(
                "the command failed without a message (an internal null pointer exception); please report it");
    }
}
