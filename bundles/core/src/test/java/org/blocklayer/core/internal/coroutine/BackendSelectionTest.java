package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The suite runs twice (see the core pom): once with {@code --add-exports java.base/jdk.internal.vm}, where
 * continuations must be chosen, and once without, where the virtual-thread backend must take over by itself.
 */
class BackendSelectionTest {
    @Test
    void theBackendMatchesWhatThisJvmAllows() {
        String expected = System.getProperty("blocklayer.expected.backend", "continuation");
        assertThat(Coroutine.backendName()).isEqualTo(expected);
        assertThat(ContinuationProbe.whyUnavailable() == null).isEqualTo(expected.equals("continuation"));
    }
}
