package org.blocklayer.launcher;

import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.wiring.BundleWiring;

/**
 * Gogo's terminal shell, the gogo.jline bundle. It takes the terminal the moment it starts, so the launcher starts
 * it last, and only when there is a terminal. Its profile is etc/gosh_profile in the distribution.
 */
final class Console {

    static final String BUNDLE = "org.apache.felix.gogo.jline";
    private static final String JLINE = "org.jline";

    private Console() {
    }

    /**
     * Starts the shell on the terminal.
     *
     * <p>JLine looks its terminal providers up through the thread context class loader, and the shell thread
     * inherits the starting thread's: with the launcher's loader there it finds none and falls back to a dumb
     * terminal (no line editing, no completion). So the start runs with JLine's own loader as context loader.
     */
    static void start(List<Bundle> installed) throws BundleException {
        Bundle console = find(installed, BUNDLE);
        ClassLoader jline = find(installed, JLINE).adapt(BundleWiring.class).getClassLoader();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(jline);
        try {
            console.start();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static Bundle find(List<Bundle> installed, String symbolicName) {
        return installed.stream().filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new IllegalStateException(symbolicName + " is missing from bundle/"));
    }
}
