package org.blocklayer.web.gate.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The gate of blocklayer's web stack (Felix HTTP Jetty 12, the Felix Web Console, the block graph page). QEMU has no
 * web console; its rule for management sockets is that they are local unless secured, and this is that rule: the
 * web bundles start when {@code ./blocklayer --web} (framework property {@value WebRequest#WEB_PROPERTY}) or a
 * configuration {@value WebRequest#HTTP_PID} asks for them, and an HTTP server is stopped, with an error logged,
 * while it would listen beyond loopback with the console's default password.
 *
 * <p>The configurations are read with {@code listConfigurations}, never {@code getConfiguration}, which would bind
 * them to this bundle and keep them from Jetty and the console.
 */
@Component(service = ConfigurationListener.class, immediate = true)
public final class WebGate implements ConfigurationListener {
    /** The directory of the web bundles, set by the distribution's conf/config.properties. */
    static final String BUNDLES_PROPERTY = "blocklayer.web.bundles";
    private static final System.Logger LOG = System.getLogger(WebGate.class.getName());

    private final BundleContext context;
    private final ConfigurationAdmin configurations;
    private final WebBundles bundles;
    private final ExecutorService serial = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("blocklayer-web-gate").unstarted(r));
    private final BundleListener servers = this::bundleChanged;

    @Activate
    public WebGate(BundleContext context, @Reference ConfigurationAdmin configurations) {
        this.context = context;
        this.configurations = configurations;
        String dir = context.getProperty(BUNDLES_PROPERTY);
        this.bundles = new WebBundles(context, dir == null || dir.isBlank() ? null : Path.of(dir));
        context.addBundleListener(servers);
        serial.execute(this::enforce);
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (WebRequest.PIDS.contains(event.getPid())) {
            serial.execute(this::enforce);
        }
    }

    /** A container (Karaf) may start an HTTP server by itself: the gate looks at it as soon as it runs. */
    private void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.STARTED && WebBundles.isHttpServer(event.getBundle())) {
            serial.execute(this::enforce);
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        context.removeBundleListener(servers);
        serial.shutdown();
        if (!serial.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.log(System.Logger.Level.WARNING, "web gate: still starting or stopping web bundles after 10 s");
        }
    }

    /** Starts or stops what the configuration now asks for; on the gate's thread, one change at a time. */
    private void enforce() {
        try {
            WebRequest request = WebRequest.of(WebRequest.configuration(configurations, WebRequest.HTTP_PID),
                    WebRequest.configuration(configurations, WebRequest.CONSOLE_PID),
                    context::getProperty);
            String refusal = request.refusal();
            if (refusal != null) {
                List<Bundle> stopped = bundles.stopHttpServers();
                if (request.wanted() || !stopped.isEmpty()) {
                    LOG.log(System.Logger.Level.ERROR, "web gate: " + refusal
                            + (stopped.isEmpty() ? "" : "; stopped " + names(stopped)));
                }
                return;
            }
            if (request.wanted()) {
                List<Bundle> started = bundles.startAll();
                if (!started.isEmpty()) {
                    LOG.log(System.Logger.Level.INFO, "web gate: the Web Console serves on " + request.where()
                            + " (" + started.size() + " bundles started)");
                }
            }
        } catch (IllegalStateException e) {
            // The framework is stopping under us: nothing left to gate.
        } catch (IOException | BundleException | InvalidSyntaxException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "web gate: " + e.getMessage(), e);
        }
    }

    private static String names(List<Bundle> bundles) {
        return String.join(", ", bundles.stream().map(Bundle::getSymbolicName).toList());
    }
}
