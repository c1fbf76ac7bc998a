package org.blocklayer.itests.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.graph.BlockOptions;

/**
 * Where a stress slot's bytes live, and so which protocol driver sits under its raw node: a temp file per open
 * ({@code file}: any size, resizable, swapped by {@code driver_swap}), a loop device kept for the whole run
 * ({@code host_device}: a real block device, fixed size), or a file that a {@code qemu-nbd} process kept for the whole
 * run serves on a unix socket ({@code nbd}: the NBD client driver against QEMU's server, fixed size).
 */
abstract sealed class StressMedium permits StressMedium.TempFiles, StressMedium.LoopDevice, StressMedium.QemuNbd {
    /** The largest medium: slots are at most this big, as the file ones are. */
    static final int MAX_SIZE = 256 * 1024;

    /** The protocol driver's name, as the counts and messages call the kind. */
    abstract String kind();

    /** Whether each open makes its own medium of a new size (only temp files): fixed media keep theirs. */
    boolean fresh() {
        return false;
    }

    /** Fixed media: their size in bytes, a whole number of sectors. */
    abstract long size() throws IOException;

    /** Where the bytes can be read and written outside blocklayer, to set a slot's content and check it after close. */
    abstract Path content();

    /** The protocol child's options for a raw node over this medium; null for a file (opened by filename). */
    abstract BlockOptions protocolOptions(BlockOptions raw);

    /** Writes {@code bytes} at the start of the medium, outside blocklayer, durably enough for the next open. */
    void fill(byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(content(), StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            ch.force(false);
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Gives back what the run set up (the loop device, the qemu-nbd process), once: at the run's end, or from the
     * clean-up of a run stopped early. The run's directory goes after it.
     */
    final void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    void release() throws IOException {
    }

    /** A new temp file per open: the stress run's original slots. */
    static final class TempFiles extends StressMedium {
        @Override
        String kind() {
            return "file";
        }

        @Override
        boolean fresh() {
            return true;
        }

        @Override
        long size() {
            throw new UnsupportedOperationException("a temp-file slot's size is its file's");
        }

        @Override
        Path content() {
            throw new UnsupportedOperationException("a temp-file slot's content is its file");
        }

        @Override
        BlockOptions protocolOptions(BlockOptions raw) {
            return null;
        }
    }

    /** A loop device over a file of the run's directory ({@code losetup -f --show}), detached at the end. */
    static final class LoopDevice extends StressMedium {
        private final Path backing;
        private final Path device;
        private final long size;

        private LoopDevice(Path backing, Path device, long size) {
            this.backing = backing;
            this.device = device;
            this.size = size;
        }

        /** Sets one up, or throws saying why this machine cannot (no root, no loop driver, no losetup). */
        static LoopDevice create(Path dir, int index, long size) throws IOException {
            Path backing = dir.resolve("loop" + index + ".img");
            try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
                f.setLength(size);
            }
            try {
                return new LoopDevice(backing, Path.of(run(List.of("losetup", "-f", "--show", backing.toString()))),
                        size);
            } catch (IOException e) {
                Files.deleteIfExists(backing);
                throw e;
            }
        }

        @Override
        String kind() {
            return "host_device";
        }

        @Override
        long size() {
            return size;
        }

        /** Through the device itself, so that what is set and checked shares the page cache the driver uses. */
        @Override
        Path content() {
            return device;
        }

        @Override
        BlockOptions protocolOptions(BlockOptions raw) {
            return raw.put("driver", "raw").put("file.driver", "host_device").put("file.filename", device.toString());
        }

        @Override
        void release() throws IOException {
            run(List.of("losetup", "-d", device.toString()));
            Files.deleteIfExists(backing);
        }

        @Override
        public String toString() {
            return device + " over " + backing.getFileName();
        }
    }

    /** {@code qemu-nbd -t} serving a raw file of the run's directory on a unix socket; stopped at the end. */
    static final class QemuNbd extends StressMedium {
        private final Path image;
        private final Path socket;
        private final Process server;
        private final long size;

        private QemuNbd(Path image, Path socket, Process server, long size) {
            this.image = image;
            this.socket = socket;
            this.server = server;
            this.size = size;
        }

        /** Starts one, or throws saying why this machine cannot (no qemu-nbd, or it did not come up). */
        static QemuNbd start(Path dir, int index, long size) throws IOException, InterruptedException {
            Path image = dir.resolve("nbd" + index + ".img");
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(size);
            }
            Path socket = dir.resolve("nbd" + index + ".sock");
            Path log = dir.resolve("nbd" + index + ".log");
            // No pipes to it, so that the run's descriptor census sees none; its messages go to a file.
            Process server;
            try {
                server = new ProcessBuilder("qemu-nbd", "-f", "raw", "-t", "--shared=4", "-k", socket.toString(),
                        image.toString()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(log.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                Files.deleteIfExists(image);
                Files.deleteIfExists(log);
                throw new IOException("qemu-nbd cannot run (Debian: apt-get install qemu-utils): " + e.getMessage());
            }
            // Setting up, not a test interleaving: qemu-nbd says it is ready only by creating its socket.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(socket)) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    server.destroyForcibly();
                    String said = Files.exists(log) ? Files.readString(log).strip() : "";
                    Files.deleteIfExists(log);
                    Files.deleteIfExists(image);
                    throw new IOException("qemu-nbd did not start" + (said.isEmpty() ? "" : ": " + said));
                }
                Thread.sleep(20);
            }
            return new QemuNbd(image, socket, server, size);
        }

        @Override
        String kind() {
            return "nbd";
        }

        @Override
        long size() {
            return size;
        }

        /** The served file: qemu-nbd keeps no cache of its own, so the page cache says what the export holds. */
        @Override
        Path content() {
            return image;
        }

        @Override
        BlockOptions protocolOptions(BlockOptions raw) {
            return raw.put("driver", "raw").put("file.driver", "nbd").put("file.server.type", "unix")
                    .put("file.server.path", socket.toString());
        }

        @Override
        void release() throws IOException {
            server.destroy();
            try {
                if (!server.waitFor(10, TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(socket);
            Files.deleteIfExists(image);
            Files.deleteIfExists(image.resolveSibling(socket.getFileName().toString().replace(".sock", ".log")));
        }

        @Override
        public String toString() {
            return "qemu-nbd on " + socket.getFileName();
        }
    }

    /** Runs a set-up command; its first output line, or an IOException with what it said. */
    private static String run(List<String> command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command.get(0) + " cannot run: " + e.getMessage());
        }
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " interrupted");
        }
        return out.lines().findFirst().orElse("");
    }
}
