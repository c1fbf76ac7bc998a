package org.blocklayer.launcher;

import java.util.Comparator;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/** Which of the bundles from bundle/ start at boot, and in which order. */
final class StartOrder {

    // File Install starts the deploy/ drivers. It comes after SCR and core so that SCR registers a driver's
    // components while the driver starts, and core sees them at once: the ready wait relies on that.
    private static final String FILE_INSTALL = "org.apache.felix.fileinstall";

    private StartOrder() {
    }

    /** The QMP server: with {@code --qmp}, started only once the drivers in deploy/ are (see {@link #qmp}). */
    static final String QMP = "org.blocklayer.qmp";

    /** Everything but fragments and the {@link Console}, File Install last. */
    static List<Bundle> atBoot(List<Bundle> installed) {
        return atBoot(installed, false);
    }

    /**
     * {@link #atBoot(List)}, without the QMP server when {@code deferQmp}: a client that connects as soon as the
     * socket is there must find the drivers of deploy/ ready, as qemu-storage-daemon's monitor comes up after its
     * command line has been processed.
     */
    static List<Bundle> atBoot(List<Bundle> installed, boolean deferQmp) {
        return installed.stream()
                .filter(b -> b.getHeaders().get(Constants.FRAGMENT_HOST) == null)
                .filter(b -> !Console.BUNDLE.equals(b.getSymbolicName()))
                .filter(b -> !(deferQmp && QMP.equals(b.getSymbolicName())))
                .sorted(Comparator.comparing(b -> FILE_INSTALL.equals(b.getSymbolicName())))
                .toList();
    }

    /** The QMP server's bundle among {@code installed}, to start after the ready wait; empty if it is not there. */
    static List<Bundle> qmp(List<Bundle> installed) {
        return installed.stream().filter(b -> QMP.equals(b.getSymbolicName())).toList();
    }
}
