package org.blocklayer.fileinstall.internal;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Hashtable;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code org.blocklayer.node~NAME.cfg} file: its NAME and its keys as the configuration's properties. The
 * format is a Java properties file, as File Install's own {@code .cfg} files.
 */
record NodeCfgFile(String name, Hashtable<String, Object> properties) {

    static final String FACTORY_PID = "org.blocklayer.node";
    /**
     * Where the configuration came from, for messages. Not File Install's {@code felix.fileinstall.filename}: File
     * Install writes a configuration carrying that key back into the file, asynchronously, and such a late write
     * could overwrite an edit the operator made in the meantime.
     */
    static final String FILENAME_KEY = "blocklayer.file";
    private static final Pattern FILE_NAME = Pattern.compile(Pattern.quote(FACTORY_PID) + "~([^/\\\\]+)\\.cfg");

    /** NAME when {@code file} is a node declaration, else null. */
    static String nodeName(File file) {
        Matcher m = FILE_NAME.matcher(file.getName());
        return m.matches() ? m.group(1) : null;
    }

    static NodeCfgFile read(File file) throws IOException {
        String name = nodeName(file);
        if (name == null) {
            throw new IllegalArgumentException(file + " is not named " + FACTORY_PID + "~NAME.cfg");
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file.toPath(), StandardCharsets.UTF_8)) {
            p.load(in);
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        p.stringPropertyNames().forEach(k -> properties.put(k, p.getProperty(k).strip()));
        properties.put(FILENAME_KEY, file.toURI().toString());
        return new NodeCfgFile(name, properties);
    }
}
