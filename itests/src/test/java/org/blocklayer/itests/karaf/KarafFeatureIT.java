package org.blocklayer.itests.karaf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.blocklayer.itests.karaf.probe.KarafProbe;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * blocklayer's Karaf features (launcher/src/main/feature/feature.xml) installed into a real Apache Karaf 4.4.10 on
 * this JDK (25), started with {@code bin/karaf server} as an operator would: the features repository is reached by
 * its Maven URL ({@code mvn:org.blocklayer/org.blocklayer.launcher/VERSION/xml/features}) and the feature
 * {@code blocklayer} is installed at boot; then a node opened over a 65537-byte file reads as 66048 bytes and
 * {@code block:drivers} lists file and raw.
 *
 * <p>What Karaf 4.4.10 needs on JDK 25, all of it applied here and written down in README.md ("Other containers"):
 * <ul>
 * <li>{@code JAVA_OPTS} set, because bin/karaf's default adds {@code -Djava.security.manager=allow}, which JDK 24+
 * refuses at start ("Enabling a Security Manager is not supported");
 * <li>launcher/src/main/feature/etc/ copied over Karaf's etc/: Event Admin's {@code AddSubject=false} (Karaf's Event
 * Admin calls {@code Subject.getSubject}, which JDK 24+ always refuses, so no boot feature would install) and
 * {@code jdk.internal.vm} in the boot delegation (its {@code eecap-25} is for karaf-maven-plugin's verify goal; at run
 * time Felix declares osgi.ee JavaSE 25 itself).
 * </ul>
 * Karaf 4.4.10's console cannot run on JDK 25 at all: every console session, local or over SSH (bin/client), calls
 * {@code Subject.getSubject} in ConsoleSessionImpl and fails. So the block: commands are run by a probe bundle
 * ({@link KarafProbe}) dropped into deploy/, which calls the commands and the formatter the shell bundle registers.
 */
public class KarafFeatureIT {

    private static final long PROBE_TIMEOUT_MS = 100_000;

    private Path karaf;
    private Process process;

    @Before
    public void prepareKaraf() throws IOException {
        Path dist = Path.of(required("blocklayer.karaf.dist"));
        Path runs = Path.of(required("blocklayer.karaf.work"));
        // One Karaf (about 40 MB) per run is enough: the previous run's goes.
        if (Files.isDirectory(runs)) {
            try (Stream<Path> paths = Files.walk(runs)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(runs);
        karaf = Files.createTempDirectory(runs, "karaf-");
        copyTree(dist, karaf);
        for (File f : karaf.resolve("bin").toFile().listFiles()) {
            f.setExecutable(true);
        }
    }

    @After
    public void stopKaraf() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    @Test
    public void blocklayerFeatureInstallsAndOpensAFileNode() throws Exception {
        String version = required("blocklayer.version");
        // A local Maven repository holding this build's artifacts, under the coordinates the features use.
        Path repo = karaf.resolve("blocklayer-repo");
        for (Map.Entry<Object, Object> e : System.getProperties().entrySet()) {
            String key = e.getKey().toString();
            if (key.startsWith("blocklayer.karaf.bundle.")) {
                String artifactId = key.substring("blocklayer.karaf.bundle.".length());
                install(repo, artifactId, version, artifactId + "-" + version + ".jar", e.getValue().toString());
            }
        }
        String launcher = "org.blocklayer.launcher";
        install(repo, launcher, version, launcher + "-" + version + "-features.xml", required("blocklayer.karaf.features"));
        String featuresUrl = "mvn:org.blocklayer/" + launcher + "/" + version + "/xml/features";

        Path etc = karaf.resolve("etc");
        // blocklayer's Karaf settings for JDK 25 (README.md, "Other containers").
        try (Stream<Path> files = Files.list(Path.of(required("blocklayer.karaf.etc")))) {
            for (Path f : files.toList()) {
                Files.copy(f, etc.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        // The repository at boot, as feature:repo-add would add it, and the feature, as feature:install would.
        edit(etc.resolve("org.apache.karaf.features.cfg"), s -> s
                .replace("featuresRepositories = \\\n", "featuresRepositories = \\\n    " + featuresUrl + ", \\\n")
                .replace("featuresBoot = \\\n", "featuresBoot = \\\n    blocklayer, blocklayer-web, \\\n"));
        // The feature's own HTTP configuration (127.0.0.1:8181) on a free port instead: Karaf writes a feature's
        // configuration to etc/ only where there is none.
        String httpPort = freePort();
        Files.writeString(etc.resolve("org.apache.felix.http.cfg"), "org.apache.felix.http.host = 127.0.0.1\n"
                + "org.osgi.service.http.port = " + httpPort + "\n");
        // Offline: Karaf's system/ first, then this build's artifacts, then ~/.m2 (the local repository); no remote.
        edit(etc.resolve("org.ops4j.pax.url.mvn.cfg"), s -> replaceProperty(replaceProperty(s,
                "org.ops4j.pax.url.mvn.defaultRepositories", "${karaf.home.uri}system@id=system.repository@snapshots, "
                        + repo.toUri() + "@id=blocklayer.itest@snapshots"),
                "org.ops4j.pax.url.mvn.repositories", "")
                + "\norg.ops4j.pax.url.mvn.localRepository=" + required("blocklayer.karaf.localRepository") + "\n");
        // Free ports, so that a Karaf already running here does not get in the way.
        String sshPort = freePort();
        String rmiRegistryPort = freePort();
        String rmiServerPort = freePort();
        edit(etc.resolve("org.apache.karaf.shell.cfg"), s -> replaceProperty(s, "sshPort", sshPort));
        edit(etc.resolve("org.apache.karaf.management.cfg"), s -> replaceProperty(replaceProperty(s,
                "rmiRegistryPort", rmiRegistryPort), "rmiServerPort", rmiServerPort));

        // The probe bundle, and the image it opens.
        Path image = karaf.resolve("x.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(65537);
        }
        // A declared node, as an operator declares one in Karaf: a node file in deploy/, there at boot.
        Files.write(karaf.resolve("deploy/org.blocklayer.node~declared.cfg"), List.of("filename=" + image));
        Path out = karaf.resolve("probe.properties");
        writeProbeBundle(karaf.resolve("deploy/blocklayer-karaf-probe.jar"));

        ProcessBuilder pb = new ProcessBuilder(karaf.resolve("bin/karaf").toString(), "server")
                .directory(karaf.toFile())
                .redirectErrorStream(true)
                .redirectOutput(karaf.resolve("console.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // Replaces bin/karaf's default JAVA_OPTS, whose -Djava.security.manager=allow JDK 25 refuses.
        env.put("JAVA_OPTS", "-XX:+UnlockDiagnosticVMOptions --add-exports java.base/jdk.internal.vm=ALL-UNNAMED"
                + " --enable-native-access=ALL-UNNAMED");
        env.put("EXTRA_JAVA_OPTS", "-Dblocklayer.probe.image=" + image + " -Dblocklayer.probe.out=" + out);
        env.put("CHECK_ROOT_INSTANCE_RUNNING", "false");
        env.remove("KARAF_HOME");
        env.remove("KARAF_BASE");
        long start = System.nanoTime();
        process = pb.start();

        long deadline = System.currentTimeMillis() + PROBE_TIMEOUT_MS;
        while (!Files.exists(out)) {
            if (!process.isAlive()) {
                fail("Karaf exited with status " + process.exitValue() + " before the probe reported\n" + diagnostics());
            }
            if (System.currentTimeMillis() > deadline) {
                fail("the probe did not report within " + PROBE_TIMEOUT_MS + " ms\n" + diagnostics());
            }
            Thread.sleep(200);
        }
        System.out.printf("Karaf started, installed blocklayer and ran the probe in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

        Properties result = new Properties();
        try (InputStream in = Files.newInputStream(out)) {
            result.load(in);
        }
        System.out.println("probe: " + result);
        assertEquals("probe status: " + result.getProperty("error") + "\n" + diagnostics(), "ok",
                result.getProperty("status"));
        for (String bundle : List.of("api", "posix", "core", "shell", "driver.file", "driver.raw", "driver.qcow2",
                "driver.hostdevice",
                "driver.scsigeneric", "driver.nbd", "nbd.server", "health")) {
            String state = result.getProperty("bundle.org.blocklayer." + bundle);
            assertTrue("org.blocklayer." + bundle + " is active: " + state, state != null && state.startsWith("ACTIVE"));
        }
        List<String> drivers = List.of(result.getProperty("drivers.names").split(","));
        assertTrue("block:drivers lists file and raw: " + result.getProperty("drivers"),
                drivers.contains("file") && drivers.contains("raw"));
        assertTrue(result.getProperty("drivers"), result.getProperty("drivers").contains("file")
                && result.getProperty("drivers").contains("org.blocklayer.driver.raw"));
        assertEquals("block:open", "probe", result.getProperty("open"));
        assertEquals("block:length of a 65537-byte file (B6)", "66048", result.getProperty("length"));
        assertEquals("the node declared in deploy/org.blocklayer.node~declared.cfg is open", "66048",
                result.getProperty("declared.length"));
        assertWebConsolePage(httpPort);
        assertEquals("core sees jdk.internal.vm through boot delegation", "boot",
                result.getProperty("core.jdk.internal.vm"));
        String log = Files.readString(karaf.resolve("data/log/karaf.log"));
        assertTrue("core uses its continuation backend, not the virtual-thread fallback",
                !log.contains("coroutines run on virtual threads"));
    }

    /**
     * Feature blocklayer-web: the Web Console asks for credentials, and with its default ones on 127.0.0.1 its
     * blocklayer page lists the declared node and draws the graph.
     */
    private void assertWebConsolePage(String port) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.URI page = java.net.URI.create("http://127.0.0.1:" + port + "/system/console/blocklayer");
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes(
                StandardCharsets.UTF_8));
        long deadline = System.currentTimeMillis() + PROBE_TIMEOUT_MS;
        java.net.http.HttpResponse<String> anonymous = null;
        java.net.http.HttpResponse<String> logged = null;
        while (logged == null || logged.statusCode() != 200 || !logged.body().contains("declared")) {
            if (System.currentTimeMillis() > deadline) {
                fail("no blocklayer page on " + page + " within " + PROBE_TIMEOUT_MS + " ms: " + (logged == null
                        ? "nothing listens" : "status " + logged.statusCode()) + "\n" + diagnostics());
            }
            try {
                anonymous = client.send(java.net.http.HttpRequest.newBuilder(page).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                logged = client.send(java.net.http.HttpRequest.newBuilder(page).header("Authorization", auth).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (IOException notYet) {
                // Jetty or the console not started yet: Karaf installs boot features one after the other.
            }
            if (logged == null || logged.statusCode() != 200) {
                Thread.sleep(200);
            }
        }
        assertEquals("the console asks for credentials", 401, anonymous.statusCode());
        assertTrue("the page draws the graph (an SVG, or the dot text where Graphviz is missing)",
                logged.body().contains("<svg") || logged.body().contains("digraph"));
    }

    /** The probe's classes from the test class path, as a bundle. */
    private static void writeProbeBundle(Path jar) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "org.blocklayer.itests.karafprobe");
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Bundle-Activator", KarafProbe.class.getName());
        a.putValue("Import-Package", "org.osgi.framework;version=\"[1.8,2)\","
                + "org.osgi.framework.wiring;version=\"[1.2,2)\"");
        String dir = KarafProbe.class.getPackageName().replace('.', '/');
        Path classes = Path.of(KarafProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .resolve(dir);
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp); JarOutputStream jos = new JarOutputStream(os, mf);
                Stream<Path> files = Files.list(classes)) {
            for (Path c : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                jos.putNextEntry(new JarEntry(dir + "/" + c.getFileName()));
                Files.copy(c, jos);
                jos.closeEntry();
            }
        }
        Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void install(Path repo, String artifactId, String version, String fileName, String source)
            throws IOException {
        if (!new File(source).isFile()) {
            fail("no built artifact for " + artifactId + " at " + source + ": run through Maven (./mvnw verify)");
        }
        Path dir = repo.resolve("org/blocklayer").resolve(artifactId).resolve(version);
        Files.createDirectories(dir);
        Files.copy(Path.of(source), dir.resolve(fileName), StandardCopyOption.REPLACE_EXISTING);
    }

    private String diagnostics() {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("console.log", "data/log/karaf.log")) {
            Path p = karaf.resolve(name);
            try {
                if (Files.exists(p)) {
                    List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8).stream()
                            .filter(l -> !l.startsWith("WARNING: ")).toList();
                    List<String> relevant = name.endsWith("karaf.log")
                            ? lines.stream().filter(l -> l.contains("ERROR") || l.contains("WARN")
                                    || l.startsWith("\tat ") || l.contains("Exception")).limit(80).toList()
                            : lines.subList(Math.max(0, lines.size() - 40), lines.size());
                    sb.append("--- ").append(p).append('\n').append(String.join("\n", relevant)).append('\n');
                }
            } catch (IOException e) {
                sb.append("--- ").append(p).append(": ").append(e).append('\n');
            }
        }
        return sb.toString();
    }

    private static String replaceProperty(String text, String key, String value) {
        StringBuilder sb = new StringBuilder();
        String[] lines = text.split("\n", -1);
        boolean replaced = false;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (!replaced && l.matches("\\s*" + java.util.regex.Pattern.quote(key) + "\\s*=.*")) {
                // Skip the continuation lines of the old value.
                while (lines[i].endsWith("\\") && i + 1 < lines.length) {
                    i++;
                }
                sb.append(key).append(" = ").append(value).append('\n');
                replaced = true;
                continue;
            }
            sb.append(l).append(i + 1 < lines.length ? "\n" : "");
        }
        if (!replaced) {
            fail("no property " + key + " to replace");
        }
        return sb.toString();
    }

    private interface Edit {
        String apply(String text);
    }

    private static void edit(Path file, Edit edit) throws IOException {
        String before = Files.readString(file);
        String after = edit.apply(before);
        assertTrue("editing " + file + " changed nothing", !after.equals(before));
        Files.writeString(file, after);
    }

    private static String freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return Integer.toString(s.getLocalPort());
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isEmpty()) {
            fail("System property " + property + " is not set: run the Karaf test through Maven"
                    + " (./mvnw verify -pl itests, failsafe execution karaf)");
        }
        return value;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
