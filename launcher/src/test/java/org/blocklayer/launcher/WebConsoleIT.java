package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.imageio.ImageIO;

import org.blocklayer.api.testing.Needs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./blocklayer --web 127.0.0.1:PORT} with the console's credentials set, three nodes in two iothreads, and
 * Debian's headless Chromium on /system/console/blocklayer as a person's browser: the screenshot is a real picture,
 * the page lists the nodes and iothreads and embeds the graph as SVG; then the file driver's bundle is replaced by a
 * new version in deploy/ (a live upgrade, as DriverSwapIT's) and a reload shows that version.
 */
class WebConsoleIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final String USER = "blockadmin";

    @TempDir
    Path tmp;

    @Test
    void chromiumSeesTheNodesTheirIothreadsTheGraphAndADriverSwap() throws Exception {
        Needs.tool("chromium", "chromium");
        Needs.tool("dot", "graphviz");
        Path deploy = LauncherProcess.deployDir(tmp, true);
        String password = HexFormat.of().formatHex(SecureRandom.getInstanceStrong().generateSeed(12));
        Files.writeString(deploy.resolve("org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg"),
                "username=" + USER + "\npassword=" + password + "\n");
        int port = freePort();
        String page = "http://127.0.0.1:" + port + "/system/console/blocklayer";
        HeadlessChromium chromium = new HeadlessChromium(Files.createDirectories(tmp.resolve("chromium")));
        String inBrowser = "http://" + USER + ":" + password + "@127.0.0.1:" + port + "/system/console/blocklayer";

        try (LauncherProcess launcher = LauncherProcess.start(deploy, "--web", "127.0.0.1:" + port)) {
            for (String command : List.of("block:iothread add io0", "block:iothread add io1")) {
                assertThat(launcher.call(command, LIMIT)).isEmpty();
            }
            int i = 0;
            for (String iothread : List.of("io0", "io0", "io1")) {
                Path image = tmp.resolve("disk" + i + ".img");
                Files.write(image, new byte[(i + 1) << 20]);
                assertThat(launcher.call("block:open --iothread " + iothread + " -n disk" + i + " driver=file,filename="
                        + image, LIMIT)).containsExactly("disk" + i);
                i++;
            }
            String html = awaitPage(launcher, page, password, h -> h.contains("<td>disk2</td>"));
            assertThat(get(page, USER, "wrong").statusCode()).as("a wrong password is turned away").isEqualTo(401);
            assertThat(html).contains("<td>disk0</td><td>file 2.0.0.SNAPSHOT</td><td>1048576</td><td>io0</td>");

            Path png = tmp.resolve("page.png");
            chromium.screenshot(inBrowser, png, 1280, 1400);
            BufferedImage picture = ImageIO.read(png.toFile());
            assertThat(picture).as("a PNG Java can read").isNotNull();
            assertThat(picture.getWidth()).isEqualTo(1280);
            assertThat(picture.getHeight()).isEqualTo(1400);
            assertThat(colours(picture)).as("colours in the screenshot: more than a blank or error page has")
                    .isGreaterThan(50);

            String dom = chromium.dumpDom(inBrowser);
            for (int n = 0; n < 3; n++) {
                assertThat(dom).contains("<td>disk" + n + "</td>");
            }
            assertThat(table(dom, "blocklayer-iothreads")).contains("<td>io0</td><td>disk0, disk1</td>",
                    "<td>io1</td><td>disk2</td>");
            String svg = svg(dom);
            assertThat(svg).contains(">disk0</text>", ">disk1</text>", ">disk2</text>", ">iothread io0</text>",
                    ">iothread io1</text>");

            // The driver swap: a new release of the file driver (same classes, Bundle-Version 2.0.1) over the old
            // jar in deploy/, which File Install turns into a Bundle.update.
            Path jar = LauncherProcess.driverJar("file");
            Path upgrade = rebuilt(jar, "2.0.1", tmp.resolve("upgrade.jar"));
            Files.move(upgrade, deploy.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            awaitPage(launcher, page, password,
                    h -> h.contains("<td>file</td><td>protocol</td><td>org.blocklayer.driver.file</td><td>2.0.1</td>"));
            String reloaded = chromium.dumpDom(inBrowser);
            assertThat(table(reloaded, "blocklayer-drivers"))
                    .contains("<td>file</td><td>protocol</td><td>org.blocklayer.driver.file</td><td>2.0.1</td><td>3</td>");
            assertThat(table(reloaded, "blocklayer-nodes")).contains("<td>disk2</td><td>file 2.0.1</td>");
        }
    }

    /** The page as an HTTP client sees it, once {@code ready} holds (the web bundles start after the launcher). */
    private static String awaitPage(LauncherProcess launcher, String page, String password, Predicate<String> ready)
            throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        String last = "(no answer)";
        while (System.nanoTime() < deadline && launcher.isAlive()) {
            try {
                HttpResponse<String> response = get(page, USER, password);
                last = response.statusCode() + ": " + response.body();
                if (response.statusCode() == 200 && ready.test(response.body())) {
                    return response.body();
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the page was not as expected within " + LIMIT + "; last answer: " + last
                + "\nlauncher stderr:\n" + launcher.stderr());
    }

    static HttpResponse<String> get(String url, String user, String password) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (user + ":" + password).getBytes(StandardCharsets.UTF_8))).build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The table with id {@code id}, from its start tag to its end (the console's script adds classes to it). */
    private static String table(String dom, String id) {
        int start = dom.indexOf(" id=\"" + id + "\"");
        assertThat(start).as("table " + id + " in the page").isNotNegative();
        return dom.substring(start, dom.indexOf("</table>", start));
    }

    /** The SVG element inside the page's graph division. */
    private static String svg(String dom) {
        int graph = dom.indexOf("<div id=\"blocklayer-graph\"");
        assertThat(graph).as("the graph division").isNotNegative();
        int start = dom.indexOf("<svg", graph);
        assertThat(start).as("an SVG in the graph division").isNotNegative();
        return dom.substring(start, dom.indexOf("</svg>", start));
    }

    private static int colours(BufferedImage picture) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < picture.getHeight(); y += 2) {
            for (int x = 0; x < picture.getWidth(); x += 2) {
                seen.add(picture.getRGB(x, y));
            }
        }
        return seen.size();
    }

    /** {@code jar} with Bundle-Version {@code version}: a new release of the same driver. */
    private static Path rebuilt(Path jar, String version, Path out) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest manifest = in.getManifest();
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream copy = new JarOutputStream(Files.newOutputStream(out), manifest)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    copy.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(copy);
                    copy.closeEntry();
                }
            }
        }
        return out;
    }
}
