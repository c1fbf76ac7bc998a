package org.blocklayer.launcher;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The distribution the launcher jar sits in: {@code bundle/} (started at boot), {@code deploy/} (watched by
 * File Install), {@code conf/config.properties} (the framework properties).
 *
 * @param home   the directory holding blocklayer.jar
 * @param deploy the hot-deploy directory, absolute and normalized, since File Install names its bundles by it
 */
record Distribution(Path home, Path deploy) {

    private static final String LOGGING_CONFIG = "java.util.logging.config.file";

    /**
     * The distribution around the running launcher jar, with {@code deployOverride} (if not null) as deploy dir.
     *
     * @throws LaunchException when there is no distribution around the jar, or {@code deployOverride} is not an
     *                         existing directory: a mistyped {@code --deploy} must not start a blocklayer without
     *                         drivers (nor create the directory behind the user's back)
     */
    static Distribution locate(Path deployOverride) throws IOException, LaunchException {
        return locate(jarDirectory(), deployOverride);
    }

    /** {@link #locate(Path)} for a distribution in {@code home}. */
    static Distribution locate(Path home, Path deployOverride) throws IOException, LaunchException {
        if (!Files.isDirectory(home.resolve("bundle"))) {
            throw new LaunchException("no bundle/ directory next to the launcher in " + home
                    + ": run blocklayer.jar from a built distribution (./blocklayer builds one)");
        }
        if (deployOverride == null) {
            // The distribution's own deploy/ is part of it: recreated if someone removed it.
            return new Distribution(home, Files.createDirectories(home.resolve("deploy")).toAbsolutePath().normalize());
        }
        Path deploy = deployOverride.toAbsolutePath().normalize();
        if (!Files.exists(deploy)) {
            throw new LaunchException("--deploy " + deployOverride + ": no such directory");
        }
        if (!Files.isDirectory(deploy)) {
            throw new LaunchException("--deploy " + deployOverride + ": not a directory");
        }
        if (!Files.isReadable(deploy)) {
            throw new LaunchException("--deploy " + deployOverride + ": not readable");
        }
        return new Distribution(home, deploy);
    }

    Path config() {
        return home.resolve("conf").resolve("config.properties");
    }

    /**
     * Points java.util.logging at conf/logging.properties, unless the user chose a file. Must run before anything
     * logs: the configuration is read once, on first use.
     */
    void useLoggingConfig() {
        Path config = home.resolve("conf").resolve("logging.properties");
        if (System.getProperty(LOGGING_CONFIG) == null && Files.isRegularFile(config)) {
            System.setProperty(LOGGING_CONFIG, config.toString());
        }
    }

    /** The jars in bundle/, in name order so that every run installs them alike. */
    List<Path> bundleJars() throws IOException {
        return jars(home.resolve("bundle"));
    }

    /** The jars in deploy/ now, absolute and normalized. */
    List<Path> deployJars() throws IOException {
        return jars(deploy);
    }

    private static List<Path> jars(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f))
                    .map(f -> f.toAbsolutePath().normalize())
                    .sorted()
                    .toList();
        }
    }

    private static Path jarDirectory() {
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.toAbsolutePath().normalize().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot tell where the launcher jar is", e);
        }
    }
}
