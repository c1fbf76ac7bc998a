package org.blocklayer.web.gate.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The gate's first line: Felix HTTP's configuration, on its way to Jetty, has HTTP and HTTPS switched off while it
 * would serve beyond loopback with the console's default password. Jetty then never listens there, not even for the
 * moment between a running server's reconfiguration and {@link WebGate} stopping its bundle.
 */
@Component(service = ConfigurationPlugin.class, property = {
        ConfigurationPlugin.CM_TARGET + "=" + WebRequest.HTTP_PID,
        // Among the plugins that may change a configuration (0 to 1000), after the others: it sees what Jetty gets.
        ConfigurationPlugin.CM_RANKING + ":Integer=1000"})
public final class HttpConfigGuard implements ConfigurationPlugin {
    /** Felix HTTP's switches for its plain and TLS connectors. */
    static final String HTTP_ENABLE = "org.apache.felix.http.enable";
    static final String HTTPS_ENABLE = "org.apache.felix.https.enable";
    private static final System.Logger LOG = System.getLogger(HttpConfigGuard.class.getName());

    private final ConfigurationAdmin configurations;
    private final Function<String, String> framework;

    @Activate
    public HttpConfigGuard(BundleContext context, @Reference ConfigurationAdmin configurations) {
        this(configurations, context::getProperty);
    }

    HttpConfigGuard(ConfigurationAdmin configurations, Function<String, String> framework) {
        this.configurations = configurations;
        this.framework = framework;
    }

    @Override
    public void modifyConfiguration(ServiceReference<?> target, Dictionary<String, Object> properties) {
        String refusal;
        try {
            refusal = WebRequest.of(properties, WebRequest.configuration(configurations, WebRequest.CONSOLE_PID),
                    framework).refusal();
        } catch (IOException | InvalidSyntaxException e) {
            // Unsure what the password is: as if it were the default.
            refusal = WebRequest.of(properties, null, framework).refusal();
        }
        if (refusal != null) {
            properties.put(HTTP_ENABLE, "false");
            properties.put(HTTPS_ENABLE, "false");
            LOG.log(System.Logger.Level.ERROR, "web gate: " + refusal + "; HTTP and HTTPS switched off in the"
                    + " configuration Jetty gets");
        }
    }
}
