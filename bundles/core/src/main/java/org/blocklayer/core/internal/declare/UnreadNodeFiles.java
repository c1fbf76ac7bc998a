package org.blocklayer.core.internal.declare;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.graph.DeclarationInfo;

/**
 * Node files ({@code org.blocklayer.node~NAME.cfg}, or {@code -NAME.cfg}) in File Install's directories that no
 * configuration came from. File Install cannot turn every file into a configuration (a malformed {@code \\u}
 * escape, or a line Config Admin refuses, such as one with an empty key, as random bytes give), and then only its
 * log says so. Listed here, such a file shows in {@code block:declared} and the health check as a declaration that
 * is not open, with the reason found by reading it the same way; it leaves the list once File Install has made a
 * configuration of it (when it is fixed) or it is deleted. Looked up when asked, so it is never stale.
 */
final class UnreadNodeFiles {
    private static final Pattern NODE_FILE = Pattern.compile(
            Pattern.quote(NodeDeclaration.FACTORY_PID) + "[~-](.+)\\.cfg");
    /** Enough of a file to find out why it is not a configuration; node files are a few lines. */
    private static final int READ_LIMIT = 64 * 1024;

    private final List<Path> directories;

    UnreadNodeFiles(List<Path> directories) {
        this.directories = List.copyOf(directories);
    }

    /** The node files whose {@link #pathKey} is not among {@code sources} (the files of live declarations). */
    List<DeclarationInfo> besides(Set<String> sources) {
        List<DeclarationInfo> out = new ArrayList<>();
        for (Path dir : directories) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) {
                    Matcher m = NODE_FILE.matcher(file.getFileName().toString());
                    String path = pathKey(file.toString());
                    if (m.matches() && Files.isRegularFile(file) && !sources.contains(path)) {
                        out.add(new DeclarationInfo(Escaped.of(path), Escaped.of(m.group(1)), false,
                                problem(file)));
                    }
                }
            } catch (IOException e) {
                // A directory File Install watches but that is missing or unreadable holds no node file to show.
            }
        }
        return out;
    }

    /** A path as {@link #besides} compares it: absolute and normalized, as a declaration's source may not be. */
    static String pathKey(String path) {
        try {
            return Path.of(path).toAbsolutePath().normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            return path;
        }
    }

    /**
     * Why File Install made no configuration of {@code file}, as far as reading it as File Install does (a
     * properties file in ISO-8859-1, its default {@code felix.fileinstall.configEncoding}) tells.
     */
    static String problem(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(READ_LIMIT);
        } catch (IOException e) {
            return "no configuration: the file cannot be read: " + Escaped.of(e.toString());
        }
        Properties read = new Properties();
        try {
            read.load(new StringReader(new String(bytes, StandardCharsets.ISO_8859_1)));
        } catch (IOException | IllegalArgumentException e) {
            return "no configuration: File Install cannot read it: " + Escaped.of(e.getMessage());
        }
        if (read.containsKey("")) {
            return "no configuration: a line has an empty key, which Config Admin refuses";
        }
        return "no configuration made of it yet: File Install reads a new or changed file at its next scan, and its"
                + " log says why when it cannot" + binary(bytes);
    }

    /** A hint that the file is not what an operator meant to write: its first control byte, if any. */
    private static String binary(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' || b == 0x7f) {
                return String.format(" (it is not a text file: byte 0x%02x at offset %d)", b, i);
            }
        }
        return "";
    }
}
