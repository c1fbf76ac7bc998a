package org.blocklayer.core.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

class CoreLogTest {
    private final AtomicReference<Logger> bound = new AtomicReference<>();
    private final CoreLog log = new CoreLog(bound::get, "org.blocklayer.core");

    @Test
    void formatFillsPlaceholdersInOrderAndKeepsEscapedOnes() {
        assertThat(CoreLog.format("node {}: driver {} gone", "a", "file")).isEqualTo("node a: driver file gone");
        assertThat(CoreLog.format("literal \\{} then {}", "x")).isEqualTo("literal {} then x");
        assertThat(CoreLog.format("more {} than {}", "one")).isEqualTo("more one than {}");
    }

    @Test
    void recordsGoToTheBoundLoggerAtTheirLevel() {
        RecordingLogger recording = new RecordingLogger();
        bound.set(recording.logger);

        log.debug("d {}", 1);
        log.info("i {}", 2);
        log.warn("w {}", 3);
        log.error("e {}", 4);

        assertThat(recording.records).containsExactly("DEBUG d 1", "INFO i 2", "WARN w 3", "ERROR e 4");
    }

    @Test
    void withoutALoggerWarningsAndErrorsGoToStderrAndTheRestNowhere() {
        String err = stderrOf(() -> {
            log.debug("not {}", "shown");
            log.info("not {}", "shown");
            log.warn("node {}: no medium, driver {} gone", "a", "file");
            log.error("failed: {}", "x", new IllegalStateException("boom"));
        });

        assertThat(err).doesNotContain("not shown")
                .contains("blocklayer: org.blocklayer.core: node a: no medium, driver file gone")
                .contains("blocklayer: org.blocklayer.core: failed: x")
                .contains("java.lang.IllegalStateException: boom");
    }

    private static String stderrOf(Runnable body) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
