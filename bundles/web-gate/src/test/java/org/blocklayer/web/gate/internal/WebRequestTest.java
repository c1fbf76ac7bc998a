package org.blocklayer.web.gate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What the gate reads from the two configurations and the framework properties, and when it refuses. */
class WebRequestTest {

    private static Dictionary<String, Object> config(Object... keyValues) {
        Hashtable<String, Object> d = new Hashtable<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            d.put((String) keyValues[i], keyValues[i + 1]);
        }
        return d;
    }

    @Test
    void nothingConfiguredWantsNothing() {
        WebRequest r = WebRequest.of(null, null, k -> null);
        assertThat(r.wanted()).isFalse();
        assertThat(r.host()).isNull();
        assertThat(r.port()).isEqualTo("8080");
        assertThat(r.defaultPassword()).isTrue();
    }

    @Test
    void theLaunchersOptionOrAnHttpConfigurationWantsTheServer() {
        Map<String, String> framework = Map.of("blocklayer.web", "127.0.0.1:8181",
                "org.apache.felix.http.host", "127.0.0.1", "org.osgi.service.http.port", "8181");
        WebRequest byOption = WebRequest.of(null, null, framework::get);
        assertThat(byOption.wanted()).isTrue();
        assertThat(byOption.where()).isEqualTo("127.0.0.1, port 8181");
        assertThat(byOption.refusal()).isNull();

        WebRequest byConfig = WebRequest.of(config("org.osgi.service.http.port", 9090), null, k -> null);
        assertThat(byConfig.wanted()).isTrue();
        assertThat(byConfig.port()).isEqualTo("9090");
    }

    @Test
    void configurationOverridesFrameworkPropertiesAsFelixReadsThem() {
        Map<String, String> framework = Map.of("org.apache.felix.http.host", "127.0.0.1",
                "felix.webconsole.password", "from-framework");
        WebRequest r = WebRequest.of(config("org.apache.felix.http.host", "0.0.0.0"),
                config("password", "admin"), framework::get);
        assertThat(r.host()).isEqualTo("0.0.0.0");
        assertThat(r.defaultPassword()).as("the configuration's admin wins over the framework's").isTrue();
        assertThat(WebRequest.of(null, null, framework::get).defaultPassword()).isFalse();
        assertThat(WebRequest.of(config("org.apache.felix.http.host", List.of("::1")), null, k -> null).host())
                .isEqualTo("::1");
    }

    @Test
    void loopbackMayKeepTheDefaultPassword() {
        for (String host : List.of("127.0.0.1", "localhost", "::1", "127.1.2.3")) {
            WebRequest r = WebRequest.of(config("org.apache.felix.http.host", host), null, k -> null);
            assertThat(r.loopbackOnly()).as(host).isTrue();
            assertThat(r.refusal()).as(host).isNull();
        }
    }

    @Test
    void anyOtherAddressOrNoneNeedsAPasswordOfOnesOwn() {
        WebRequest everywhere = WebRequest.of(config("org.osgi.service.http.port", "8080"), null, k -> null);
        assertThat(everywhere.refusal()).startsWith("refusing to serve the Felix Web Console on every interface"
                + " (org.apache.felix.http.host unset), port 8080: its password is still the default (admin/admin).")
                .contains("org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg")
                .contains("felix.webconsole.password").contains("listen on 127.0.0.1");
        WebRequest wildcard = WebRequest.of(config("org.apache.felix.http.host", "0.0.0.0"),
                config("password", "{sha-256}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg="), k -> null);
        assertThat(wildcard.refusal()).startsWith("refusing to serve the Felix Web Console on 0.0.0.0, port 8080");
        WebRequest secured = WebRequest.of(config("org.apache.felix.http.host", "0.0.0.0"),
                config("username", "ops", "password", "correct horse"), k -> null);
        assertThat(secured.refusal()).isNull();
        WebRequest unresolvable = WebRequest.of(config("org.apache.felix.http.host", "no-such-host.invalid"), null,
                k -> null);
        assertThat(unresolvable.refusal()).isNotNull();
    }
}
