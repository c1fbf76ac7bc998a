package org.blocklayer.launcher;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * {@code --web [ADDR:]PORT}: the Felix Web Console with blocklayer's page, on 127.0.0.1 unless ADDR says otherwise.
 * Handed to the framework as the properties Felix HTTP reads ({@value #HOST}, {@value #PORT}) and
 * {@value #WEB_PROPERTY}, on which the web gate (bundle org.blocklayer.web.gate) starts the web bundles.
 *
 * <p>Before anything starts, the launcher refuses an address beyond loopback while the console's password is still
 * its default "admin" (unset, or "admin" written plainly or as the console's built-in digest), as set in the
 * framework properties or the console's configuration file in the deploy directory. The gate checks again inside,
 * with every form of password and every configuration Config Admin holds.
 *
 * @param host where to listen, as given (a name, an IPv4 address, or an IPv6 one without brackets)
 * @param port the TCP port, 1 to 65535
 */
record WebOption(String host, int port) {
    static final String WEB_PROPERTY = "blocklayer.web";
    static final String HOST = "org.apache.felix.http.host";
    static final String PORT = "org.osgi.service.http.port";
    /** The Web Console's configuration (its OsgiManager servlet): keys username and password. */
    static final String CONSOLE_PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";
    static final String PASSWORD_PROPERTY = "felix.webconsole.password";
    private static final String DEFAULT_HOST = "127.0.0.1";
    /** "admin" as the console stores it by default ({sha-256} of it, unsalted). */
    private static final String DEFAULT_DIGEST = "{sha-256}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg=";

    /** Parses {@code [ADDR:]PORT}; IllegalArgumentException with a one-line reason otherwise. */
    static WebOption parse(String value) {
        String host = DEFAULT_HOST;
        String port = value;
        int colon = value.lastIndexOf(':');
        if (colon >= 0) {
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (host.isEmpty() || number < 1 || number > 65535) {
            throw new IllegalArgumentException("--web " + value + ": expected [ADDR:]PORT, PORT from 1 to 65535"
                    + " (ADDR 127.0.0.1 if left out)");
        }
        return new WebOption(host, number);
    }

    /** The option as the user would write it again. */
    String spelled() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The framework properties that make Felix HTTP listen here and the gate start the web bundles. */
    Map<String, String> properties() {
        return Map.of(WEB_PROPERTY, spelled(), HOST, host, PORT, Integer.toString(port));
    }

    /** Whether {@link #host} is, or resolves only to, loopback addresses. */
    boolean loopbackOnly() {
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

    /**
     * Why the launcher must not start: the console would listen beyond loopback with its default password (in
     * {@code framework}, or in the console's configuration file in {@code deploy}, which wins as Config Admin's
     * would); null when it may.
     */
    String refusal(Map<String, String> framework, Path deploy) throws IOException {
        if (loopbackOnly()) {
            return null;
        }
        Path file = deploy.resolve(CONSOLE_PID + ".cfg");
        String password = framework.get(PASSWORD_PROPERTY);
        if (Files.isRegularFile(file)) {
            Properties cfg = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                cfg.load(reader);
            }
            password = cfg.getProperty("password", password);
        }
        if (password != null && !password.isEmpty() && !password.equals("admin") && !password.equals(DEFAULT_DIGEST)) {
            return null;
        }
        return "--web " + spelled() + ": the Web Console would listen beyond loopback with its default credentials"
                + " (admin/admin); set username= and password= in " + file + ", or felix.webconsole.username and "
                + PASSWORD_PROPERTY + " in conf/config.properties, or use --web 127.0.0.1:" + port;
    }
}
