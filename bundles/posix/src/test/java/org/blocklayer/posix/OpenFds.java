package org.blocklayer.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Counts this process's open file descriptors ({@code /proc/self/fd}), to prove nothing leaks. */
final class OpenFds {
    private OpenFds() {
    }

    static long count() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** How many of them are open on {@code target} (a device or file path). */
    static long openOn(String target) throws IOException {
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

    static boolean isOpen(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }
}
