package org.blocklayer.itests.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.blocklayer.api.export.ExportOptions;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.nbd.server.internal.NbdServerService;

/**
 * The stress run's {@code export} operation: blocklayer's own NBD server exports a slot's node read-only, a libnbd
 * client in another process ({@code /usr/bin/python3} with Debian's python3-libnbd) connects and reads a random range
 * of it, and the export is deleted; what it read must be what the slot's shadow holds. The client lives in another
 * process on purpose: a blocklayer NBD node connected to an export of the same graph would deadlock a drain, as it
 * would in QEMU (the write lock's drain stops the export while the client's request holds a read lock).
 */
final class StressExport implements AutoCloseable {
    /** Reads {@code URI OFFSET LENGTH} lines; answers each with the bytes in hex, or {@code error: ...}. */
    private static final String CLIENT = String.join("\n",
            "import sys, nbd",
            "for line in sys.stdin:",
            "    uri, offset, length = line.split()",
            "    try:",
            "        h = nbd.NBD()",
            "        h.connect_uri(uri)",
            "        data = h.pread(int(length), int(offset))",
            "        h.shutdown()",
            "        print(data.hex(), flush=True)",
            "    except Exception as e:",
            "        print('error: ' + ' '.join(str(e).split()), flush=True)");

    private final NbdServerService server;
    private final Path socket;
    private final Process client;
    private final BufferedWriter toClient;
    private final BufferedReader fromClient;
    /** One request at a time to the one client process. */
    private final ReentrantLock clientLock = new ReentrantLock();
    private final AtomicLong exports = new AtomicLong();

    private StressExport(NbdServerService server, Path socket, Process client) {
        this.server = server;
        this.socket = socket;
        this.client = client;
        this.toClient = new BufferedWriter(new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8));
        this.fromClient = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The server on a unix socket of the run's directory and the client process; throws saying why not. */
    static StressExport start(Scheduler scheduler, Graph graph, Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            throw new IOException("no /usr/bin/python3");
        }
        Process check = new ProcessBuilder(python.toString(), "-c", "import nbd").redirectErrorStream(true).start();
        check.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!check.waitFor(60, TimeUnit.SECONDS) || check.exitValue() != 0) {
            throw new IOException("python3's nbd module is missing (Debian: apt-get install python3-libnbd)");
        }
        NbdServerService server = new NbdServerService(scheduler, graph, graph);
        Path socket = dir.resolve("export.sock");
        server.startNbdServer("unix:" + socket, 0);
        Process client = new ProcessBuilder(python.toString(), "-u", "-c", CLIENT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new StressExport(server, socket, client);
    }

    /**
     * Exports the slot's node, reads a random range of one chunk through the export (under that chunk's lock, so the
     * shadow says what it holds) and deletes the export. Caller holds the slot's read lock, so the node stays open.
     */
    void readThrough(StressSlot slot, Random random, Consumer<String> fail) throws Exception {
        String name = slot.name + "e" + exports.incrementAndGet();
        server.add(new ExportOptions(slot.name, name, false, null, ExportOptions.MultiConn.AUTO));
        try {
            slot.inRandomChunk(random, (at, bytes) -> {
                String answer = request("nbd+unix:///" + name + "?socket=" + socket + " " + at + " " + bytes);
                if (answer.startsWith("error: ")) {
                    fail.accept("export " + name + " of " + slot.describe() + ": libnbd read " + bytes + " B at "
                            + at + ": " + answer.substring("error: ".length()));
                    return;
                }
                String diff = slot.mismatch(at, ByteBuffer.wrap(HexFormat.of().parseHex(answer)));
                if (diff != null || answer.length() != 2 * bytes) {
                    fail.accept("export " + name + ": " + (diff != null ? diff : "read " + answer.length() / 2
                            + " of " + bytes + " B at " + at));
                }
            });
        } finally {
            server.delete(name, false);
        }
    }

    private String request(String line) throws IOException {
        clientLock.lock();
        try {
            toClient.write(line);
            toClient.newLine();
            toClient.flush();
            String answer = fromClient.readLine();
            if (answer == null) {
                throw new IOException("the libnbd client process ended (exit " + client.waitFor() + ")");
            }
            return answer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the libnbd client");
        } finally {
            clientLock.unlock();
        }
    }

    /** Stops the client and the server; the descriptors of both go with them. */
    @Override
    public void close() throws Exception {
        toClient.close();
        if (!client.waitFor(10, TimeUnit.SECONDS)) {
            client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        fromClient.close();
        server.stopNbdServer();
    }
}
