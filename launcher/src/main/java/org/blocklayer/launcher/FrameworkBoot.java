package org.blocklayer.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The embedded Felix framework, from init to a bounded stop. Owns the per-run storage directory when the
 * configuration names none, and removes it after the stop.
 */
final class FrameworkBoot implements AutoCloseable {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Framework framework;
    private final Path temporaryStorage;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FrameworkBoot(Framework framework, Path temporaryStorage) {
        this.framework = framework;
        this.temporaryStorage = temporaryStorage;
    }

    /** A framework initialised (its context usable, no bundle started yet) with {@code properties}. */
    static FrameworkBoot init(Map<String, String> properties) throws IOException, BundleException {
        Map<String, String> config = new HashMap<>(properties);
        Path temporaryStorage = null;
        if (!config.containsKey(Constants.FRAMEWORK_STORAGE)) {
            temporaryStorage = Files.createTempDirectory("blocklayer-felix-");
            config.put(Constants.FRAMEWORK_STORAGE, temporaryStorage.toString());
        }
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path (lib/ is missing the Felix jar)"));
        Framework framework = factory.newFramework(config);
        framework.init();
        // Event Admin, stopped while it delivers, prints a warning that at that moment means nothing.
        framework.getBundleContext().addBundleListener(EventAdminStopFilter.listener());
        return new FrameworkBoot(framework, temporaryStorage);
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    List<Bundle> install(List<Path> jars) throws BundleException {
        List<Bundle> installed = new ArrayList<>();
        for (Path jar : jars) {
            installed.add(context().installBundle(jar.toUri().toString()));
        }
        return installed;
    }

    /**
     * Starts the framework, then {@code bundles} in the given order. A bundle that fails to start is reported on
     * stderr and skipped: the rest of the platform is still useful, and the ready wait will name what is missing.
     */
    void start(List<Bundle> bundles) throws BundleException {
        framework.start();
        for (Bundle bundle : bundles) {
            try {
                bundle.start();
            } catch (BundleException e) {
                System.err.println("blocklayer: cannot start " + bundle.getSymbolicName() + ": " + e.getMessage());
            }
        }
    }

    /** Starts {@code bundles} of a running framework, in order (the QMP server after the ready wait). */
    void startBundles(List<Bundle> bundles) throws BundleException {
        for (Bundle bundle : bundles) {
            bundle.start();
        }
    }

    /** Blocks until something else (Gogo's "exit", a shutdown hook) stops the framework. */
    void awaitStop() throws InterruptedException {
        framework.waitForStop(0);
    }

    /** Stops the framework, waiting a bounded time; safe to call twice and from a shutdown hook. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(STOP_TIMEOUT.toMillis());
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("blocklayer: the framework did not stop within " + STOP_TIMEOUT.toSeconds() + " s");
            }
        } catch (BundleException e) {
            System.err.println("blocklayer: stopping the framework failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            deleteTemporaryStorage();
        }
    }

    private void deleteTemporaryStorage() {
        if (temporaryStorage == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(temporaryStorage)) {
            files.sorted(Comparator.reverseOrder()).forEach(FrameworkBoot::delete);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("blocklayer: could not remove " + temporaryStorage + ": " + e.getMessage());
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
