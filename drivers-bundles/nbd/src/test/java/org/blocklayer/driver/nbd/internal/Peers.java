package org.blocklayer.driver.nbd.internal;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.testing.Needs;

/**
 * Starts and stops the real NBD peers (qemu-nbd, nbdkit) and runs qemu-img/qemu-io against them. Servers run in the
 * background and are stopped by PID; a test is skipped, saying why, only when a tool is missing, and fails instead
 * under CI ({@link Needs}).
 */
final class Peers implements AutoCloseable {
    private final Path dir;
    private final List<Long> pids = new ArrayList<>();

    Peers(Path dir) {
        this.dir = dir;
    }

    static void require(String tool) {
        Needs.tool(tool, tool.startsWith("qemu") ? "qemu-utils" : tool.startsWith("nbdkit") ? "nbdkit" : "libnbd-bin");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** qemu-nbd on a unix socket in the temp dir, serving {@code image} as raw; returns the socket path. */
    Path qemuNbdUnix(Path image, String... extra) throws Exception {
        require("qemu-nbd");
        Path sock = Files.createTempFile(dir, "qemu-nbd", ".sock");
        Files.delete(sock);
        Path pidFile = dir.resolve("qemu-nbd-" + pids.size() + ".pid");
        List<String> cmd = new ArrayList<>(List.of("qemu-nbd", "-f", "raw", "-t", "-k", sock.toString(), "--fork",
                "--pid-file=" + pidFile));
        cmd.addAll(List.of(extra));
        cmd.add(image.toString());
        run(cmd);
        pids.add(readPid(pidFile));
        return sock;
    }

    /** qemu-nbd on 127.0.0.1:port; returns the port. */
    int qemuNbdTcp(Path image, String... extra) throws Exception {
        require("qemu-nbd");
        int port = freePort();
        Path pidFile = dir.resolve("qemu-nbd-" + pids.size() + ".pid");
        List<String> cmd = new ArrayList<>(List.of("qemu-nbd", "-f", "raw", "-t", "-b", "127.0.0.1", "-p",
                Integer.toString(port), "--fork", "--pid-file=" + pidFile));
        cmd.addAll(List.of(extra));
        cmd.add(image.toString());
        run(cmd);
        pids.add(readPid(pidFile));
        return port;
    }

    /** nbdkit on 127.0.0.1:port with the given filters/plugin/arguments; returns the port. */
    int nbdkit(String... args) throws Exception {
        require("nbdkit");
        int port = freePort();
        Path pidFile = dir.resolve("nbdkit-" + pids.size() + ".pid");
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-P", pidFile.toString(), "-i", "127.0.0.1", "-p",
                Integer.toString(port)));
        cmd.addAll(List.of(args));
        run(cmd);
        pids.add(readPid(pidFile));
        return port;
    }

    /** The last server started. */
    long lastPid() {
        return pids.get(pids.size() - 1);
    }

    /** SIGKILL, as a crash. */
    static void kill9(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** {@code qemu-img info --output=json}'s virtual-size. */
    static long qemuImgVirtualSize(String uri) throws Exception {
        require("qemu-img");
        String json = run(List.of("qemu-img", "info", "--output=json", uri));
        Matcher m = Pattern.compile("\"virtual-size\":\\s*(\\d+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no virtual-size in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    /** {@code qemu-io -f raw -c CMD uri}; returns its output, which reports failures in text. */
    static String qemuIo(String uri, String... commands) throws Exception {
        require("qemu-io");
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(uri);
        return run(cmd);
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(cmd + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    private static long readPid(Path pidFile) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(pidFile)) {
                String text = Files.readString(pidFile).trim();
                if (!text.isEmpty()) {
                    return Long.parseLong(text);
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no pid file " + pidFile);
    }

    /** Stops every server started, by PID, and waits (bounded) for them to go. */
    @Override
    public void close() {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroy();
                // onExit() polls slowly for processes that are not our children: poll ourselves.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (running(pid) && System.nanoTime() < deadline) {
                    sleepQuietly(10);
                }
                if (running(pid)) {
                    h.destroyForcibly();
                }
            });
        }
        pids.clear();
    }

    /**
     * True while {@code pid} runs. A server that exited stays a zombie until PID 1 reaps it, which in a container
     * can take seconds (the servers daemonize, so they are not our children): a zombie counts as gone.
     */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
