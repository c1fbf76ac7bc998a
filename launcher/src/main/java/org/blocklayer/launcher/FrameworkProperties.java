package org.blocklayer.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The framework properties: conf/config.properties, overridden by {@code -D} system properties, placeholders
 * filled in. The file documents each key.
 */
final class FrameworkProperties {

    static final String READY_TIMEOUT = "blocklayer.ready.timeout";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");
    // Launching properties that the file may leave commented out (storage, for one) can still come from -D.
    private static final String[] OVERRIDE_PREFIXES = {"org.osgi.framework.", "felix.", "blocklayer."};

    private FrameworkProperties() {
    }

    static Map<String, String> load(Distribution distribution) throws IOException {
        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(distribution.config())) {
            file.load(reader);
        }
        Map<String, String> raw = new HashMap<>();
        file.stringPropertyNames().forEach(key -> raw.put(key, file.getProperty(key)));
        for (String key : System.getProperties().stringPropertyNames()) {
            if (raw.containsKey(key) || hasOverridePrefix(key)) {
                raw.put(key, System.getProperty(key));
            }
        }
        Map<String, String> variables = Map.of(
                "blocklayer.home", distribution.home().toString(),
                "blocklayer.deploy", distribution.deploy().toString());
        Map<String, String> properties = new HashMap<>();
        raw.forEach((key, value) -> properties.put(key, substitute(key, value, variables)));
        return properties;
    }

    static Duration readyTimeout(Map<String, String> properties) {
        String seconds = properties.getOrDefault(READY_TIMEOUT, "20");
        try {
            return Duration.ofSeconds(Long.parseLong(seconds.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(READY_TIMEOUT + " must be a number of seconds, not '" + seconds + "'");
        }
    }

    private static boolean hasOverridePrefix(String key) {
        for (String prefix : OVERRIDE_PREFIXES) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String substitute(String key, String value, Map<String, String> variables) {
        return PLACEHOLDER.matcher(value).replaceAll(m -> {
            String name = m.group(1);
            String replacement = variables.getOrDefault(name, System.getProperty(name));
            if (replacement == null) {
                throw new IllegalArgumentException("config.properties: " + key + " uses ${" + name
                        + "}, which is neither blocklayer.home, blocklayer.deploy nor a system property");
            }
            return Matcher.quoteReplacement(replacement);
        });
    }
}
