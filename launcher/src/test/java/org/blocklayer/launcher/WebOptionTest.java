package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --web [ADDR:]PORT}: what it accepts, what it hands to Felix HTTP, and when it refuses to start. */
class WebOptionTest {
    private static final String CONSOLE_CFG = "org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg";

    @TempDir
    Path deploy;

    @Test
    void aPortAloneListensOnLoopback() {
        WebOption web = WebOption.parse("8080");
        assertThat(web).isEqualTo(new WebOption("127.0.0.1", 8080));
        assertThat(web.properties()).containsExactlyInAnyOrderEntriesOf(Map.of("blocklayer.web", "127.0.0.1:8080",
                "org.apache.felix.http.host", "127.0.0.1", "org.osgi.service.http.port", "8080"));
        assertThat(WebOption.parse("[::1]:9000")).isEqualTo(new WebOption("::1", 9000));
        assertThat(WebOption.parse("[::1]:9000").spelled()).isEqualTo("[::1]:9000");
        assertThat(WebOption.parse("localhost:1").loopbackOnly()).isTrue();
    }

    @Test
    void aBadValueIsAUsageErrorNamingTheOption() {
        for (String bad : new String[] {"", "x", "0", "65536", "host:", ":80", "127.0.0.1:http"}) {
            assertThatThrownBy(() -> WebOption.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--web " + bad + ": expected [ADDR:]PORT, PORT from 1 to 65535 (ADDR 127.0.0.1 if left"
                            + " out)");
        }
    }

    @Test
    void loopbackNeedsNoPasswordOfItsOwn() throws Exception {
        assertThat(WebOption.parse("127.0.0.1:8080").refusal(Map.of(), deploy)).isNull();
    }

    @Test
    void anotherAddressNeedsThePasswordChangedInTheFrameworkOrTheConsolesConfiguration() throws Exception {
        WebOption everywhere = WebOption.parse("0.0.0.0:8080");
        assertThat(everywhere.refusal(Map.of(), deploy)).startsWith("--web 0.0.0.0:8080: the Web Console would"
                + " listen beyond loopback with its default credentials (admin/admin); set username= and password="
                + " in " + deploy.resolve(CONSOLE_CFG));
        assertThat(everywhere.refusal(Map.of("felix.webconsole.password", "admin"), deploy)).isNotNull();
        assertThat(everywhere.refusal(Map.of("felix.webconsole.password",
                "{sha-256}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg="), deploy)).isNotNull();
        assertThat(everywhere.refusal(Map.of("felix.webconsole.password", "s3cret"), deploy)).isNull();

        Files.writeString(deploy.resolve(CONSOLE_CFG), "username=ops\npassword=s3cret\n");
        assertThat(everywhere.refusal(Map.of(), deploy)).isNull();
        Files.writeString(deploy.resolve(CONSOLE_CFG), "username=ops\npassword=admin\n");
        assertThat(everywhere.refusal(Map.of("felix.webconsole.password", "s3cret"), deploy))
                .as("the configuration wins, as Config Admin's does over framework properties").isNotNull();
    }
}
