package org.blocklayer.posix.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A scratch directory for O_DIRECT tests, under the module's {@code target/} rather than {@code java.io.tmpdir}:
 * /tmp is often tmpfs, which refuses O_DIRECT before Linux 6.6 and accepts any alignment after, so neither says
 * what a disk file system does. {@link #close()} deletes it with everything in it.
 */
public final class DiskDir implements AutoCloseable {
    private final Path path;

    private DiskDir(Path path) {
        this.path = path;
    }

    /** A new empty directory under {@code target/} of the module whose tests run (surefire's working directory). */
    public static DiskDir create() throws IOException {
        Path target = Files.createDirectories(Path.of("target").toAbsolutePath());
        return new DiskDir(Files.createTempDirectory(target, "odirect-"));
    }

    public Path path() {
        return path;
    }

    public Path resolve(String name) {
        return path.resolve(name);
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
