package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Web Console's default credentials (admin/admin) keep it on loopback: {@code --web} with another address ends
 * the launcher at once (status 2, one line), and a configuration org.apache.felix.http with another address leaves
 * the HTTP server stopped with an error on stderr, until the configuration says 127.0.0.1, when the console serves.
 */
class WebRefusalIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void theOptionWithAnotherAddressAndTheDefaultPasswordEndsTheLauncher() throws Exception {
        Path deploy = LauncherProcess.deployDir(tmp, false);
        int port = WebConsoleIT.freePort();
        LauncherProcess.Result result = LauncherProcess.run(deploy, "--web", "0.0.0.0:" + port, "-c", "block:drivers");
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr().lines().toList()).singleElement().asString()
                .startsWith("blocklayer: --web 0.0.0.0:" + port + ": the Web Console would listen beyond loopback"
                        + " with its default credentials (admin/admin); set username= and password= in " + deploy
                        .resolve("org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg"))
                .contains("felix.webconsole.password in conf/config.properties")
                .endsWith("or use --web 127.0.0.1:" + port);
        assertThat(listening(port)).isFalse();
    }

    @Test
    void aConfigurationWithAnotherAddressLeavesTheServerStoppedUntilItSaysLoopback() throws Exception {
        Path deploy = LauncherProcess.deployDir(tmp, false);
        int port = WebConsoleIT.freePort();
        Path http = deploy.resolve("org.apache.felix.http.cfg");
        Files.writeString(http, "org.osgi.service.http.port=" + port + "\norg.apache.felix.http.host=0.0.0.0\n");
        try (LauncherProcess launcher = LauncherProcess.start(deploy)) {
            String refusal = "web gate: refusing to serve the Felix Web Console on 0.0.0.0, port " + port
                    + ": its password is still the default (admin/admin)";
            awaitStderr(launcher, refusal);
            // The launcher answers commands: the refusal stopped the web stack, not blocklayer.
            assertThat(launcher.call("block:nodes", LIMIT)).isEmpty();
            assertThat(listening(port)).as("nothing listens on port " + port).isFalse();

            Files.writeString(http, "org.osgi.service.http.port=" + port + "\norg.apache.felix.http.host=127.0.0.1\n");
            awaitStderr(launcher, "web gate: the Web Console serves on 127.0.0.1, port " + port);
            long deadline = System.nanoTime() + LIMIT.toNanos();
            int status = 0;
            while (System.nanoTime() < deadline && status != 401) {
                try {
                    status = WebConsoleIT.get("http://127.0.0.1:" + port + "/system/console/blocklayer", "admin",
                            "not-admin").statusCode();
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
            assertThat(status).as("the console asks for its credentials").isEqualTo(401);

            // The running server reconfigured beyond loopback: whichever comes first, Config Admin's delivery to Jetty
            // (which HttpConfigGuard switches HTTP off in, so Jetty never serves there) or the gate's stop of Jetty's
            // bundle (they race: Config Admin tells the two on different threads), the server stops listening.
            int before = launcher.stderr().length();
            Files.writeString(http, "org.osgi.service.http.port=" + port + "\norg.apache.felix.http.host=0.0.0.0\n");
            long told = System.nanoTime() + LIMIT.toNanos();
            while (!launcher.stderr().substring(before).contains("HTTP and HTTPS switched off in the configuration")
                    && !launcher.stderr().substring(before).contains("; stopped org.apache.felix.http.jetty12")) {
                assertThat(System.nanoTime() < told).as("a refusal on stderr within " + LIMIT + "; stderr:\n"
                        + launcher.stderr()).isTrue();
                Thread.sleep(50);
            }
            long closing = System.nanoTime() + LIMIT.toNanos();
            while (listening(port) && System.nanoTime() < closing) {
                Thread.sleep(50);
            }
            assertThat(listening(port)).as("nothing listens on port " + port + " any more").isFalse();
        }
    }

    private static void awaitStderr(LauncherProcess launcher, String text) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!launcher.stderr().contains(text)) {
            if (System.nanoTime() > deadline || !launcher.isAlive()) {
                throw new AssertionError("no '" + text + "' on stderr within " + LIMIT + "; stderr:\n"
                        + launcher.stderr());
            }
            Thread.sleep(50);
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
