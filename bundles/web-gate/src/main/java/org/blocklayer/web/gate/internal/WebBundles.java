package org.blocklayer.web.gate.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.BundleRevision;

/**
 * The optional web bundles: installed from the distribution's web/ directory when they are wanted (never before, so
 * that they cannot change how the rest of blocklayer resolves), started in an order that lets each find what it
 * uses, and the HTTP server among them stopped when the gate refuses it.
 */
final class WebBundles {
    private static final String IMPLEMENTATION = "osgi.implementation";
    private static final String EXTENDER = "osgi.extender";

    private final BundleContext context;
    private final Path dir;
    /** HTTP servers the gate stopped (transiently), to start again once they may run. */
    private final Set<Bundle> stopped = new LinkedHashSet<>();

    /** The bundles of {@code dir} (null: none, a container such as Karaf installs them) in {@code context}. */
    WebBundles(BundleContext context, Path dir) {
        this.context = context;
        this.dir = dir;
    }

    /**
     * Installs what is in web/ and not installed yet, then starts those bundles and the HTTP servers stopped here
     * before: extenders first (SPI Fly, which must weave SLF4J 2 before it loads a class), then bundles that run no
     * code of their own (libraries, SLF4J's provider, which SPI Fly registers as it starts), then the rest (Jetty,
     * the Web Console, the page), so that nothing logs or serves before what it uses is there.
     */
    List<Bundle> startAll() throws IOException, BundleException {
        Set<Bundle> bundles = new LinkedHashSet<>(install());
        bundles.addAll(stopped);
        List<Bundle> order = bundles.stream().filter(b -> b.getHeaders().get(Constants.FRAGMENT_HOST) == null)
                .sorted(Comparator.comparingInt(WebBundles::rank)).toList();
        List<Bundle> started = new ArrayList<>();
        for (Bundle b : order) {
            if (b.getState() != Bundle.ACTIVE) {
                b.start(stopped.contains(b) ? Bundle.START_TRANSIENT : 0);
                started.add(b);
            }
        }
        stopped.clear();
        return started;
    }

    /** Stops every running HTTP server (a bundle providing the OSGi HTTP whiteboard); the ones it stopped. */
    List<Bundle> stopHttpServers() throws BundleException {
        List<Bundle> now = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (isHttpServer(b) && (b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0) {
                b.stop(Bundle.STOP_TRANSIENT);
                stopped.add(b);
                now.add(b);
            }
        }
        return now;
    }

    /** Whether {@code b} provides {@code osgi.implementation=osgi.http}: Felix HTTP Jetty, or any other whiteboard. */
    static boolean isHttpServer(Bundle b) {
        BundleRevision revision = b.adapt(BundleRevision.class);
        return revision != null && revision.getDeclaredCapabilities(IMPLEMENTATION).stream()
                .anyMatch(c -> "osgi.http".equals(c.getAttributes().get(IMPLEMENTATION)));
    }

    private List<Bundle> install() throws IOException, BundleException {
        if (dir == null) {
            return List.of();
        }
        List<Bundle> bundles = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path jar : files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                String location = jar.toUri().toString();
                Bundle installed = context.getBundle(location);
                bundles.add(installed != null ? installed : context.installBundle(location));
            }
        }
        return bundles;
    }

    /** 0 for an extender, 1 for a bundle that runs no code when started, 2 for the rest. */
    private static int rank(Bundle b) {
        BundleRevision revision = b.adapt(BundleRevision.class);
        if (revision != null && !revision.getDeclaredCapabilities(EXTENDER).isEmpty()) {
            return 0;
        }
        boolean runs = b.getHeaders().get(Constants.BUNDLE_ACTIVATOR) != null
                || b.getHeaders().get("Service-Component") != null;
        return runs ? 2 : 1;
    }
}
