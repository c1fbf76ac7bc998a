package org.blocklayer.web.gate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The settings below were made by the Felix Web Console 5.0.18's own Password class (hashPassword, with its random
 * salt and 1000 iterations, or an explicit salt), so the gate reads them exactly as the console checks them.
 */
class ConsolePasswordTest {

    @Test
    void unsetEmptyAndPlainAdminAreWeak() {
        assertThat(ConsolePassword.isWeak(null)).isTrue();
        assertThat(ConsolePassword.isWeak("")).isTrue();
        assertThat(ConsolePassword.isWeak("admin")).isTrue();
        assertThat(ConsolePassword.isWeak("Admin")).isFalse();
        assertThat(ConsolePassword.isWeak("s3cret")).isFalse();
    }

    @Test
    void theConsolesBuiltInDigestOfAdminIsWeak() {
        assertThat(ConsolePassword.isWeak("{sha-256}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg=")).isTrue();
    }

    @Test
    void saltedAndIteratedDigestsOfAdminAreWeakThoseOfAnotherPasswordAreNot() {
        assertThat(ConsolePassword.isWeak("{sha-256}0eabdc7024ba2a2c-1000-ZJ3Buw3s7nziO6wK3eCQlpCYgD+FQCUm5uAKo7eeqWs="))
                .isTrue();
        assertThat(ConsolePassword.isWeak("{sha-512}cafe-yZfNJvkSgDUhx+DxBBm83V4Qyzn+ghQ+1D96BqkAV9jRCrcKUaQnx5XrWPER"
                + "aCGbMeLLAENvZF/1XfGmrJllQA==")).isTrue();
        assertThat(ConsolePassword.isWeak("{sha-256}0752c0ca0ce2a44b-1000-sG2KNKjJtECIYT9tBVo8fSwLw9ORzegPoeXNVuhJldI="))
                .as("s3cret, hashed").isFalse();
    }

    @Test
    void aDigestWithAnUnknownAlgorithmLetsNobodyInWithAdmin() {
        assertThat(ConsolePassword.isWeak("{no-such-digest}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg=")).isFalse();
    }
}
