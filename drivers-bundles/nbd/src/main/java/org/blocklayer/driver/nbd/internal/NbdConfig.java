package org.blocklayer.driver.nbd.internal;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;

/**
 * The options of an nbd node, as QEMU's nbd driver reads them ({@code nbd_process_options},
 * {@code nbd_config}): {@code server.type=inet|unix}, {@code server.host}, {@code server.port},
 * {@code server.path}, {@code export}, {@code reconnect-delay}; the legacy {@code host}/{@code port}/{@code path};
 * a {@code filename} URI; and blocklayer's {@code timeout}.
 *
 * @param server              where the server listens
 * @param export              the export name ("" is the default export)
 * @param timeoutNanos        bound on connecting (and the handshake) and on every request
 * @param reconnectDelayNanos 0: a lost connection fails every later request; otherwise requests wait this long
 *                            for a reconnection
 */
record NbdConfig(NbdAddress server, String export, long timeoutNanos, long reconnectDelayNanos) {

    static final long DEFAULT_TIMEOUT_SECONDS = 30;
    private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(TimeUnit.DAYS.toSeconds(365));

    /** Takes the options this driver knows out of {@code options}; anything else stays for core to report. */
    static NbdConfig take(BlockOptions options) throws BlockException {
        String filename = options.takeString("filename");
        if (filename != null) {
            NbdUri.parse(filename, options);
        }
        refuse(options, "tls-creds", "TLS");
        refuse(options, "tls-hostname", "TLS");
        refuse(options, "x-dirty-bitmap", "dirty bitmap export");
        NbdAddress server = address(options);
        String export = options.takeString("export");
        if (export == null) {
            export = "";
        }
        if (export.getBytes(StandardCharsets.UTF_8).length > Nbd.MAX_STRING) {
            throw new BlockException(Errno.EINVAL, "export name is longer than " + Nbd.MAX_STRING + " bytes");
        }
        long timeout = seconds(options, "timeout", DEFAULT_TIMEOUT_SECONDS);
        if (timeout == 0) {
            throw new BlockException(Errno.EINVAL, "Parameter 'timeout' must be greater than 0 seconds");
        }
        long reconnectDelay = seconds(options, "reconnect-delay", 0);
        return new NbdConfig(server, export, timeout, reconnectDelay);
    }

    /** {@code export 'x' on server host:port}, as messages name what failed. */
    String describe() {
        return "export '" + export + "' on server " + server;
    }

    private static void refuse(BlockOptions options, String key, String what) throws BlockException {
        if (options.has(key)) {
            throw new BlockException(Errno.ENOTSUP, what + " ('" + key + "=" + options.get(key)
                    + "') is not supported by the nbd driver");
        }
    }

    /** {@code nbd_process_legacy_socket_options}, then the {@code server.*} keys. */
    private static NbdAddress address(BlockOptions options) throws BlockException {
        boolean legacy = options.has("host") || options.has("port") || options.has("path");
        boolean modern = options.keys().stream().anyMatch(k -> k.startsWith("server."));
        if (legacy && modern) {
            throw new BlockException(Errno.EINVAL, "Cannot use 'server' and path/host at the same time");
        }
        if (legacy) {
            if (options.has("path") && options.has("host")) {
                throw new BlockException(Errno.EINVAL, "path and host may not be used at the same time");
            }
            if (options.has("path")) {
                if (options.has("port")) {
                    throw new BlockException(Errno.EINVAL, "port may not be used without host");
                }
                options.put("server.type", "unix").put("server.path", options.takeString("path"));
            } else {
                options.put("server.type", "inet").put("server.host", String.valueOf(options.takeString("host")));
                String port = options.takeString("port");
                if (port != null) {
                    options.put("server.port", port);
                }
            }
        }
        String type = options.takeString("server.type");
        if (type == null) {
            type = options.has("server.path") ? "unix" : options.has("server.host") ? "inet" : null;
        }
        if (type == null) {
            throw new BlockException(Errno.EINVAL, "NBD server address missing: give nbd://host[:port]/export, "
                    + "nbd+unix:///export?socket=PATH, or server.type with server.host or server.path");
        }
        return switch (type) {
            case "inet" -> inet(options);
            case "unix" -> {
                String path = options.takeString("server.path");
                if (path == null || path.isEmpty()) {
                    throw new BlockException(Errno.EINVAL, "Parameter 'server.path' is missing");
                }
                yield NbdAddress.unix(path);
            }
            default -> throw new BlockException(Errno.EINVAL, "Parameter 'server.type' must be inet or unix, not '"
                    + type + "'");
        };
    }

    private static NbdAddress inet(BlockOptions options) throws BlockException {
        String host = options.takeString("server.host");
        if (host == null || host.isEmpty()) {
            throw new BlockException(Errno.EINVAL, "Parameter 'server.host' is missing");
        }
        String portText = options.takeString("server.port");
        int port = Nbd.DEFAULT_PORT;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new BlockException(Errno.EINVAL, "Parameter 'server.port' expects a port number from 1 to "
                        + "65535, got '" + portText + "'");
            }
        }
        return NbdAddress.inet(host, port);
    }

    /** A duration in seconds, fractions allowed ({@code 0.5}); nanoseconds out. */
    private static long seconds(BlockOptions options, String key, long defaultSeconds) throws BlockException {
        String text = options.takeString(key);
        if (text == null) {
            return TimeUnit.SECONDS.toNanos(defaultSeconds);
        }
        try {
            BigDecimal s = new BigDecimal(text.trim());
            if (s.signum() < 0 || s.compareTo(MAX_SECONDS) > 0) {
                throw new NumberFormatException();
            }
            return s.movePointRight(9).longValue();
        } catch (NumberFormatException e) {
            throw new BlockException(Errno.EINVAL, "Parameter '" + key + "' expects a number of seconds from 0 to "
                    + MAX_SECONDS + ", got '" + text + "'");
        }
    }
}
