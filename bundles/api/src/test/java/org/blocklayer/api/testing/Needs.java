package org.blocklayer.api.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * The one place where a test decides to skip for want of something on the machine: a peer tool (qemu-img, qemu-io,
 * qemu-nbd, nbdkit, ...), a loop device, root, runuser. Shared with every module's tests through api's test jar.
 *
 * <p>On a developer's machine a missing thing skips the test, printed as {@code SKIPPED (...)}, never silently. Under
 * CI it fails the test instead, naming what is missing: the CI machine (Debian 12, root, {@code .ci/run} installs the
 * peer tools and checks loop devices) has all of them, so there a skip means a broken machine, not a pass. "Under CI"
 * is the environment variable {@code CI} set (to anything but empty, {@code false} or {@code 0}), as CI services and
 * {@code .ci/run} set it, or {@code -Dblocklayer.requirePeers=true}; {@code -Dblocklayer.requirePeers=false} allows
 * the skips again even with {@code CI} set.
 *
 * <p>Things the CI machine truly cannot provide go through {@link #notOnCi} and stay printed skips everywhere.
 */
public final class Needs {
    /** System property that forces ({@code true}) or forbids ({@code false}) failing instead of skipping. */
    public static final String PROPERTY = "blocklayer.requirePeers";

    private Needs() {
    }

    /** True when a missing requirement fails the test instead of skipping it. */
    public static boolean required() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return Boolean.parseBoolean(property.strip());
        }
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.strip().equalsIgnoreCase("false") && !ci.strip().equals("0");
    }

    /**
     * Goes on when {@code available}; otherwise skips the calling test (printed), or under CI fails it. {@code what}
     * names the missing thing and why it is missing, e.g. "a loop device: losetup: cannot find an unused loop device".
     */
    public static void that(boolean available, String what) {
        if (available) {
            return;
        }
        if (required()) {
            String why = System.getProperty(PROPERTY) != null ? "-D" + PROPERTY + "=" + System.getProperty(PROPERTY)
                    : "CI=" + System.getenv("CI");
            throw new AssertionError("missing on this machine: " + what + ". With " + why + " this fails instead of"
                    + " skipping: the CI machine must provide it (.ci/run installs qemu-utils, nbdkit, libnbd-bin and"
                    + " fio and checks loop devices, as root). Run with -D" + PROPERTY + "=false to skip instead.");
        }
        System.err.println("SKIPPED (missing " + what + ")");
        Assumptions.abort("missing " + what);
    }

    /** {@code tool} is an executable on PATH; else skips (printed), or under CI fails. */
    public static void tool(String tool, String debianPackage) {
        that(onPath(tool), "'" + tool + "' on PATH (Debian package " + debianPackage + ")");
    }

    /** Whether {@code tool} is an executable in a PATH directory. */
    public static boolean onPath(String tool) {
        for (String p : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (!p.isEmpty() && Files.isExecutable(Path.of(p, tool))) {
                return true;
            }
        }
        return false;
    }

    /**
     * For what even the CI machine cannot provide (a SCSI sg device: it has no SCSI subsystem): skips, printed,
     * under CI too. Every such skip is listed in the README's Testing section.
     */
    public static void notOnCi(boolean available, String what) {
        if (!available) {
            System.err.println("SKIPPED (missing " + what + "; not expected on the CI machine either)");
            Assumptions.abort("missing " + what);
        }
    }
}
