package org.blocklayer.web.gate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** What Jetty gets from Felix HTTP's configuration once the guard has seen it. */
class HttpConfigGuardTest {

    @Test
    void beyondLoopbackWithTheDefaultPasswordJettyGetsHttpAndHttpsSwitchedOff() {
        Dictionary<String, Object> http = http("0.0.0.0");
        guard(null).modifyConfiguration(null, http);
        // Breaks if: modifyConfiguration leaves the properties alone when WebRequest refuses (Jetty would listen).
        assertThat(http.get(HttpConfigGuard.HTTP_ENABLE)).isEqualTo("false");
        assertThat(http.get(HttpConfigGuard.HTTPS_ENABLE)).isEqualTo("false");
        assertThat(http.get(WebRequest.HOST)).as("the rest as configured").isEqualTo("0.0.0.0");
    }

    @Test
    void onLoopbackOrWithAPasswordOfOnesOwnNothingChanges() {
        Dictionary<String, Object> loopback = http("127.0.0.1");
        guard(null).modifyConfiguration(null, loopback);
        assertThat(loopback.get(HttpConfigGuard.HTTP_ENABLE)).isNull();

        Dictionary<String, Object> everywhere = http("0.0.0.0");
        guard(Map.of("username", "me", "password", "not-admin-at-all")).modifyConfiguration(null, everywhere);
        // Breaks if: the guard reads the password from anywhere but the console's configuration (here: its own).
        assertThat(everywhere.get(HttpConfigGuard.HTTP_ENABLE)).isNull();
        assertThat(everywhere.size()).isEqualTo(2);
    }

    @Test
    void aDefaultPasswordWrittenInTheConsolesConfigurationCountsAsDefault() {
        Dictionary<String, Object> http = http("0.0.0.0");
        guard(Map.of("username", "admin", "password", "admin")).modifyConfiguration(null, http);
        assertThat(http.get(HttpConfigGuard.HTTP_ENABLE)).isEqualTo("false");
    }

    private static Dictionary<String, Object> http(String host) {
        Dictionary<String, Object> d = new Hashtable<>();
        d.put(WebRequest.HOST, host);
        d.put(WebRequest.PORT, "8080");
        return d;
    }

    /** A guard over a Config Admin that holds the console's configuration {@code console} (none when null). */
    private static HttpConfigGuard guard(Map<String, String> console) {
        Configuration[] found = console == null ? null : new Configuration[] {configuration(console)};
        ConfigurationAdmin admin = (ConfigurationAdmin) Proxy.newProxyInstance(
                HttpConfigGuardTest.class.getClassLoader(), new Class<?>[] {ConfigurationAdmin.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("listConfigurations")) {
                        assertThat((String) args[0]).contains(WebRequest.CONSOLE_PID);
                        return found;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new HttpConfigGuard(admin, key -> null);
    }

    private static Configuration configuration(Map<String, String> values) {
        Dictionary<String, Object> d = new Hashtable<>(values);
        return (Configuration) Proxy.newProxyInstance(HttpConfigGuardTest.class.getClassLoader(),
                new Class<?>[] {Configuration.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getProperties")) {
                        return d;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
