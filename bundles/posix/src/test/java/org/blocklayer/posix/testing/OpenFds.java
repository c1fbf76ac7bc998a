package org.blocklayer.posix.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Counts this process's open file descriptors ({@code /proc/self/fd}), to prove nothing leaks. Shared with the
 * drivers' tests through posix's test jar.
 */
public final class OpenFds {
    private OpenFds() {
    }

    public static long count() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** How many of them are open on {@code target} (a device or file path). */
    public static long openOn(String target) throws IOException {
        Path wanted = Path.of(target).toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(wanted);
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        }
    }

    /**
     * The open(2) flags of each descriptor open on {@code target}, as {@code /proc/self/fdinfo} shows them (to see,
     * say, that one of them really has O_DIRECT).
     */
    public static List<Integer> flagsOn(String target) throws IOException {
        Path wanted = Path.of(target).toRealPath();
        List<Integer> flags = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (!Files.readSymbolicLink(fd).equals(wanted)) {
                        continue;
                    }
                    Path info = Path.of("/proc/self/fdinfo").resolve(fd.getFileName());
                    for (String line : Files.readAllLines(info)) {
                        if (line.startsWith("flags:")) {
                            flags.add(Integer.parseInt(line.substring("flags:".length()).strip(), 8));
                        }
                    }
                } catch (IOException e) {
                    // closed while listing
                }
            }
        }
        return flags;
    }

    public static boolean isOpen(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }
}
