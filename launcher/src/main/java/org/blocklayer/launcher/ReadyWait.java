package org.blocklayer.launcher;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;

/**
 * Waits, bounded, until blocklayer can take commands: Gogo knows the {@code block} command scope, and every jar
 * that was in deploy/ when the launcher started has been installed and started by File Install.
 *
 * <p>Create it before any bundle starts: a bundle counts as started only once this has seen its STARTED event.
 * That event reaches an (asynchronous) listener like this one after the synchronous listeners, SCR's among them,
 * have handled it, so the bundle's components are registered by then; its ACTIVE state alone comes earlier.
 *
 * <p>A jar deleted from deploy/ while this waits is no longer waited for: it will never start (File Install
 * uninstalls its bundle, or never installs it), so this says once on stderr that it was removed and carries on
 * without it. A jar still there whose bundle is uninstalled (by hand) is still waited for: File Install installs
 * it again on its next scan.
 */
final class ReadyWait implements AutoCloseable {

    static final String SCOPE = "block";

    // Gogo learns of a command service in its own listener for the very event that wakes us, possibly after us;
    // once the service is there, re-check this often instead of waiting for an event that will not come.
    private static final long GOGO_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    // A jar deleted before File Install saw it brings no event at all: while a deploy/ jar is missing, look at the
    // directory this often. (A deleted jar File Install had installed comes with its bundle's UNINSTALLED event.)
    private static final long DEPLOY_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final BundleContext context;
    private final List<Path> deployJars;
    private final PrintStream notices;
    private final Set<Path> removed = new LinkedHashSet<>(); // only the thread in await uses it
    private final Set<Long> started = ConcurrentHashMap.newKeySet();
    private final Object changed = new Object();
    private long changes; // guarded by changed: events seen so far, so that none is missed between check and wait
    private final BundleListener bundleListener = this::bundleChanged;
    private final ServiceListener serviceListener = event -> signal();

    private ReadyWait(BundleContext context, List<Path> deployJars, PrintStream notices) {
        this.context = context;
        this.deployJars = deployJars;
        this.notices = notices;
    }

    /** Starts watching; {@code deployJars} are the jars in deploy/ now, absolute and normalized. */
    static ReadyWait watch(BundleContext context, List<Path> deployJars) throws InvalidSyntaxException {
        // Taken now, before any bundle starts: Gogo later replaces System.err with a stream of its own.
        return watch(context, deployJars, System.err);
    }

    /** {@link #watch(BundleContext, List)}, saying on {@code notices} which jars went during the wait. */
    static ReadyWait watch(BundleContext context, List<Path> deployJars, PrintStream notices)
            throws InvalidSyntaxException {
        ReadyWait wait = new ReadyWait(context, deployJars, notices);
        context.addBundleListener(wait.bundleListener);
        context.addServiceListener(wait.serviceListener, "(osgi.command.scope=" + SCOPE + ")");
        return wait;
    }

    /**
     * Waits until ready or {@code timeout} has passed; what is still missing then, one line each (empty when ready).
     *
     * @param gogoKnowsScope tells whether Gogo lists a command of the given scope
     */
    List<String> await(Duration timeout, Predicate<String> gogoKnowsScope) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seen = changes();
            // Checked without holding our monitor: the checks call into the framework and Gogo, whose threads
            // call our listeners.
            boolean registered = scopeRegistered();
            boolean known = registered && gogoKnowsScope.test(SCOPE);
            List<String> missingJars = missingJars();
            List<String> missing = new ArrayList<>();
            if (!known) {
                missing.add("the '" + SCOPE + "' commands" + inactiveBundles());
            }
            missing.addAll(missingJars);
            long left = deadline - System.nanoTime();
            if (missing.isEmpty() || left <= 0) {
                return missing;
            }
            long recheck = left;
            if (registered && !known) {
                recheck = Math.min(recheck, GOGO_RECHECK_NANOS);
            }
            if (!missingJars.isEmpty()) {
                recheck = Math.min(recheck, DEPLOY_RECHECK_NANOS);
            }
            awaitChangeAfter(seen, recheck);
        }
    }

    @Override
    public void close() {
        try {
            context.removeBundleListener(bundleListener);
            context.removeServiceListener(serviceListener);
        } catch (IllegalStateException e) {
            // The framework has stopped; its listeners went with it.
        }
    }

    /** The deploy/ jars not started yet, one line each; reports (once) and drops those deleted meanwhile. */
    private List<String> missingJars() {
        List<String> missing = new ArrayList<>();
        Map<Path, Bundle> byPath = installedByPath();
        for (Path jar : deployJars) {
            if (removed.contains(jar)) {
                continue;
            }
            Bundle bundle = byPath.get(jar);
            boolean ready = bundle != null && bundle.getState() == Bundle.ACTIVE
                    && started.contains(bundle.getBundleId());
            if (!ready && !Files.exists(jar)) {
                removed.add(jar);
                notices.println("blocklayer: " + jar.getFileName() + " was removed from deploy/ during start-up:"
                        + " starting without it");
            } else if (bundle == null) {
                missing.add(jar.getFileName() + " from deploy/ (not installed)");
            } else if (!ready) {
                missing.add(jar.getFileName() + " from deploy/ (installed, not started)");
            }
        }
        return missing;
    }

    /** A hint for the operator: the bundles that are installed but not active, one of which should provide the scope. */
    private String inactiveBundles() {
        String inactive = List.of(context.getBundles()).stream()
                .filter(b -> b.getState() != Bundle.ACTIVE && b.getHeaders().get(Constants.FRAGMENT_HOST) == null)
                .filter(b -> !Console.BUNDLE.equals(b.getSymbolicName()))
                .map(Bundle::getSymbolicName)
                .collect(Collectors.joining(", "));
        return inactive.isEmpty() ? "" : " (bundles not active: " + inactive + ")";
    }

    private boolean scopeRegistered() {
        try {
            return context.getServiceReferences((String) null, "(osgi.command.scope=" + SCOPE + ")") != null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** File Install names a bundle by its file's URI; map each such bundle back to the file. */
    private Map<Path, Bundle> installedByPath() {
        return List.of(context.getBundles()).stream()
                .flatMap(b -> fileOf(b).map(path -> Map.entry(path, b)).stream())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> b));
    }

    private static Optional<Path> fileOf(Bundle bundle) {
        try {
            URI location = URI.create(bundle.getLocation());
            return "file".equals(location.getScheme())
                    ? Optional.of(Path.of(location).toAbsolutePath().normalize())
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.STARTED) {
            started.add(event.getBundle().getBundleId());
        }
        signal();
    }

    private void signal() {
        synchronized (changed) {
            changes++;
            changed.notifyAll();
        }
    }

    private long changes() {
        synchronized (changed) {
            return changes;
        }
    }

    /** Returns once an event has come since {@code seen} was read, or after {@code nanos}. */
    private void awaitChangeAfter(long seen, long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        synchronized (changed) {
            for (long left = nanos; changes == seen && left > 0; left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(changed, left);
            }
        }
    }
}
