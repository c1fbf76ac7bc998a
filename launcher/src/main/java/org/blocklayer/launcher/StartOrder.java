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

    /** Everything but fragments and the {@link Console}, File Install last. */
    static List<Bundle> atBoot(List<Bundle> installed) {
        return installed.stream()
                .filter(b -> b.getHeaders().get(Constants.FRAGMENT_HOST) == null)
                .filter(b -> !Console.BUNDLE.equals(b.getSymbolicName()))
                .sorted(Comparator.comparing(b -> FILE_INSTALL.equals(b.getSymbolicName())))
                .toList();
    }
}
