package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

class LogToStderrTest {

    @Test
    void warningsAndErrorsBecomeOneLineNamingTheBundle() {
        assertThat(LogToStderr.line(LogLevel.WARN, "org.blocklayer.core", "node x: no medium, driver file gone",
                null)).isEqualTo("blocklayer: org.blocklayer.core: node x: no medium, driver file gone");
        assertThat(LogToStderr.line(LogLevel.ERROR, "org.apache.felix.scr", "cannot activate",
                new IllegalStateException("boom")))
                .isEqualTo("blocklayer: org.apache.felix.scr: cannot activate: java.lang.IllegalStateException: boom");
    }

    @Test
    void infoAndBelowStayOffStderr() {
        assertThat(LogToStderr.line(LogLevel.INFO, "org.blocklayer.core", "driver file is back", null)).isNull();
        assertThat(LogToStderr.line(LogLevel.DEBUG, "org.blocklayer.core", "registered", null)).isNull();
    }
}
