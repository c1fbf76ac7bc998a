package org.blocklayer.web.gate.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Dictionary;
import java.util.List;
import java.util.function.Function;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * What the configuration asks of the web bundles right now, read as Felix HTTP and the Web Console read it
 * themselves: their Config Admin configuration first, then the framework property of the same meaning.
 *
 * @param wanted          {@code ./blocklayer --web} (framework property {@value #WEB_PROPERTY}) or a configuration
 *                        {@value #HTTP_PID} asks for the HTTP server
 * @param host            where Jetty listens ({@value #HOST}); null: every interface, Felix HTTP's default
 * @param port            its port ({@value #PORT}), as written, or Felix HTTP's default 8080
 * @param defaultPassword the console's password is still weak ({@link ConsolePassword#isWeak})
 */
record WebRequest(boolean wanted, String host, String port, boolean defaultPassword) {
    /** Felix HTTP's configuration. */
    static final String HTTP_PID = "org.apache.felix.http";
    /** The Felix Web Console's configuration (its OsgiManager servlet). */
    static final String CONSOLE_PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";
    /** Set by the launcher's {@code --web [ADDR:]PORT}. */
    static final String WEB_PROPERTY = "blocklayer.web";
    static final String HOST = "org.apache.felix.http.host";
    static final String PORT = "org.osgi.service.http.port";
    /** The console reads its password from configuration key {@code password}, else this framework property. */
    static final String PASSWORD_PROPERTY = "felix.webconsole.password";

    /**
     * The request made by {@code http} and {@code console} (the two configurations' properties, null where there is
     * none) and the framework properties {@code framework}.
     */
    static WebRequest of(Dictionary<String, ?> http, Dictionary<String, ?> console, Function<String, String> framework) {
        String web = framework.apply(WEB_PROPERTY);
        boolean wanted = http != null || web != null && !web.isBlank();
        String host = setting(http, HOST, framework);
        String port = setting(http, PORT, framework);
        String password = setting(console, "password", k -> framework.apply(PASSWORD_PROPERTY));
        return new WebRequest(wanted, host == null || host.isBlank() ? null : host.strip(),
                port == null ? "8080" : port.strip(), ConsolePassword.isWeak(password));
    }

    private static String setting(Dictionary<String, ?> config, String key, Function<String, String> framework) {
        Object value = config == null ? null : config.get(key);
        if (value instanceof Collection<?> c) {
            value = c.isEmpty() ? null : c.iterator().next();
        } else if (value instanceof Object[] a) {
            value = a.length == 0 ? null : a[0];
        }
        return value != null ? value.toString() : framework.apply(key);
    }

    /** Whether Jetty would listen on loopback only: a host that is, or resolves to, a loopback address. */
    boolean loopbackOnly() {
        if (host == null) {
            return false;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Where Jetty would listen, for messages. */
    String where() {
        return (host == null ? "every interface (" + HOST + " unset)" : host) + ", port " + port;
    }

    /** Why the HTTP server must not run, or null when it may: beyond loopback only with a password of one's own. */
    String refusal() {
        if (loopbackOnly() || !defaultPassword) {
            return null;
        }
        return "refusing to serve the Felix Web Console on " + where() + ": its password is still the default"
                + " (admin/admin). Set username and password in configuration " + CONSOLE_PID + " (for example a file "
                + CONSOLE_PID + ".cfg in deploy/) or framework properties felix.webconsole.username and "
                + PASSWORD_PROPERTY + ", or listen on 127.0.0.1 (" + HOST + " in configuration " + HTTP_PID + ")";
    }

    /**
     * The properties of configuration {@code pid}, or null where there is none. Read with {@code listConfigurations},
     * never {@code getConfiguration}, which would bind it to the gate's bundle and keep it from Jetty and the console.
     */
    static Dictionary<String, Object> configuration(ConfigurationAdmin admin, String pid)
            throws IOException, InvalidSyntaxException {
        Configuration[] found = admin.listConfigurations("(service.pid=" + pid + ")");
        return found == null || found.length == 0 ? null : found[0].getProperties();
    }

    /** The PIDs whose changes matter here. */
    static final List<String> PIDS = List.of(HTTP_PID, CONSOLE_PID);
}
