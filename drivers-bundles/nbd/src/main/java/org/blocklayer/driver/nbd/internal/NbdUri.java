package org.blocklayer.driver.nbd.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;

/**
 * {@code nbd_parse_filename} and {@code nbd_parse_uri}: turns {@code nbd://host[:port]/export},
 * {@code nbd+tcp://...}, {@code nbd+unix:///export?socket=PATH} and the legacy {@code nbd:host:port[:exportname=E]}
 * / {@code nbd:unix:PATH[:exportname=E]} into the options {@code server.type}, {@code server.host},
 * {@code server.port}, {@code server.path} and {@code export}. The export is the URI path without its leading '/'
 * (percent-decoded); an empty path is the default export "".
 */
final class NbdUri {
    /** Options that say where the server is; a filename may not be given together with them. */
    static final String[] ADDRESS_KEYS = {"host", "port", "path", "export", "server.type", "server.host",
        "server.port", "server.path"};

    private NbdUri() {
    }

    static void parse(String filename, BlockOptions options) throws BlockException {
        for (String key : ADDRESS_KEYS) {
            if (options.has(key)) {
                throw new BlockException(Errno.EINVAL,
                        "host/port/export/path and a file name may not be used at the same time (option '" + key
                        + "' and filename '" + filename + "')");
            }
        }
        if (filename.contains("://")) {
            parseUri(filename, options);
        } else {
            parseLegacy(filename, options);
        }
    }

    private static void parseUri(String filename, BlockOptions options) throws BlockException {
        URI uri;
        try {
            uri = new URI(filename);
        } catch (URISyntaxException e) {
            throw bad(filename, e.getReason() + " at index " + e.getIndex());
        }
        String scheme = uri.getScheme();
        boolean unix;
        if ("nbd".equals(scheme) || "nbd+tcp".equals(scheme)) {
            unix = false;
        } else if ("nbd+unix".equals(scheme)) {
            unix = true;
        } else {
            throw bad(filename, "the scheme must be nbd, nbd+tcp or nbd+unix");
        }
        if (uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw bad(filename, "a user name or a fragment has no meaning for NBD");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String export = path.startsWith("/") ? path.substring(1) : path;
        String query = uri.getRawQuery();
        if (unix) {
            if (uri.getRawAuthority() != null) {
                throw bad(filename, "nbd+unix takes no host or port (nbd+unix:///export?socket=PATH)");
            }
            if (query == null || !query.startsWith("socket=") || query.contains("&")
                    || query.length() == "socket=".length()) {
                throw bad(filename, "nbd+unix needs exactly one query parameter, socket=PATH");
            }
            options.put("server.type", "unix");
            options.put("server.path", decode(filename, query.substring("socket=".length())));
        } else {
            if (query != null) {
                throw bad(filename, "nbd:// takes no query parameters");
            }
            if (uri.getHost() == null) {
                throw bad(filename, "no host, or a host and port that do not parse (nbd://host[:port]/export)");
            }
            options.put("server.type", "inet");
            String host = uri.getHost();
            options.put("server.host", host.startsWith("[") && host.endsWith("]")
                    ? host.substring(1, host.length() - 1) : host);
            if (uri.getPort() >= 0) {
                options.put("server.port", Integer.toString(uri.getPort()));
            }
        }
        if (!export.isEmpty()) {
            options.put("export", export);
        }
    }

    /** {@code nbd:unix:PATH[:exportname=E]} or {@code nbd:HOST:PORT[:exportname=E]} (QEMU's legacy syntax). */
    private static void parseLegacy(String filename, BlockOptions options) throws BlockException {
        if (!filename.startsWith("nbd:")) {
            throw bad(filename, "expected nbd://, nbd+unix:// or nbd:");
        }
        String rest = filename.substring("nbd:".length());
        String export = null;
        int ex = rest.indexOf(":exportname=");
        if (ex >= 0) {
            export = rest.substring(ex + ":exportname=".length());
            rest = rest.substring(0, ex);
        }
        if (rest.startsWith("unix:")) {
            String path = rest.substring("unix:".length());
            if (path.isEmpty()) {
                throw bad(filename, "no socket path after nbd:unix:");
            }
            options.put("server.type", "unix");
            options.put("server.path", path);
        } else {
            int colon = rest.lastIndexOf(':');
            if (rest.isEmpty() || colon == 0) {
                throw bad(filename, "no host after nbd:");
            }
            options.put("server.type", "inet");
            options.put("server.host", colon < 0 ? rest : rest.substring(0, colon));
            if (colon >= 0) {
                options.put("server.port", rest.substring(colon + 1));
            }
        }
        if (export != null && !export.isEmpty()) {
            options.put("export", export);
        }
    }

    /** Percent-decodes a query value; '+' stays a plus sign, as in a path. */
    private static String decode(String filename, String raw) throws BlockException {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw bad(filename, "bad percent-encoding in '" + raw + "'");
        }
    }

    private static BlockException bad(String filename, String why) {
        return new BlockException(Errno.EINVAL, "Invalid NBD URI '" + filename + "': " + why);
    }
}
