package org.blocklayer.itests.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The process's open file descriptors ({@code /proc/self/fd}) by kind, for the stress run's leak check: a file under
 * the run's directory, an epoll instance (each event loop's selector), an eventfd or pipe (its wakeup), a socket, a
 * file the JDK opens as it goes and keeps (jars, the random devices), any other file by its path.
 */
record StressFds(Map<String, Integer> byKind) {
    /** What the JDK opens as it goes and keeps: jars as classes load, the random devices of SecureRandom. */
    static final String JDK = "jdk";

    static StressFds census(Path runDir) throws IOException {
        // Inode to a description of each unix socket, read once per census.
        Map<String, String> unixSockets = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/net/unix")).stream().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 7) {
                // The state (01 unconnected, 03 connected) and the path where it has one: whose socket it is.
                unixSockets.put(f[6], "unix socket " + (f.length >= 8 ? f[7] : "without a path")
                        + " (state " + f[5] + ")");
            }
        }
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed while listing (the listing's own descriptor, for one)
                }
                kinds.merge(kind(target, runDir, unixSockets), 1, Integer::sum);
            }
        }
        return new StressFds(kinds);
    }

    private static String kind(String target, Path runDir, Map<String, String> unixSockets) {
        if (target.startsWith(runDir.toString())) {
            return "run-files";
        }
        if (target.endsWith(".jar") || target.equals("/dev/random") || target.equals("/dev/urandom")) {
            return JDK;
        }
        if (target.startsWith("anon_inode:")) {
            return target.substring("anon_inode:".length()).replace("[", "").replace("]", "");
        }
        if (target.startsWith("socket:[")) {
            // A unix socket by its path where it has one (/proc/net/unix), so a leak says whose it is.
            String path = unixSockets.get(target.substring("socket:[".length(), target.length() - 1));
            if (path != null) {
                return path;
            }
        }
        int colon = target.indexOf(":[");
        // A socket or pipe by its kind; any other file by its path.
        return colon > 0 ? target.substring(0, colon) : target;
    }

    int get(String kind) {
        return byKind.getOrDefault(kind, 0);
    }

    /** The kinds that grew since {@code before}, the JDK's own aside, with both counts; empty when none did. */
    Map<String, String> grownSince(StressFds before) {
        Map<String, String> grown = new TreeMap<>();
        byKind.forEach((kind, n) -> {
            if (!kind.equals(JDK) && n > before.get(kind)) {
                grown.put(kind, before.get(kind) + " -> " + n);
            }
        });
        return grown;
    }

    @Override
    public String toString() {
        return byKind.toString();
    }
}
