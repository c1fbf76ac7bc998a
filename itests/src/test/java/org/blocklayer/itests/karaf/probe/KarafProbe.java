package org.blocklayer.itests.karaf.probe;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;

/**
 * A bundle that {@code KarafFeatureIT} drops into Karaf's {@code deploy/}: Karaf 4.4.10's console cannot open a
 * session on JDK 25 (see KarafFeatureIT), so this probe runs the block: commands itself, through the very command
 * object and result formatter that the shell bundle registers for Gogo, and writes what they print to the file named
 * by the property {@code blocklayer.probe.out} (Java properties format). It imports nothing of blocklayer's: it finds
 * the commands as a Gogo command service ({@code osgi.command.scope=block}) and calls them by reflection.
 */
public final class KarafProbe implements BundleActivator {

    /** How long the probe waits for the blocklayer features to come up. */
    private static final long WAIT_MS = 90_000;
    /** How long the bundle states may take to settle once the probe is done. */
    private static final long SETTLE_MS = 30_000;

    private Thread thread;

    @Override
    public void start(BundleContext context) {
        thread = new Thread(() -> run(context), "blocklayer-karaf-probe");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop(BundleContext context) throws InterruptedException {
        thread.interrupt();
        thread.join(5_000);
    }

    private static void run(BundleContext context) {
        Properties result = new Properties();
        try {
            probe(context, result);
            result.setProperty("status", "ok");
        } catch (Throwable t) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            result.setProperty("status", "failed");
            result.setProperty("error", trace.toString());
        }
        try {
            awaitStarted(context);
            bundleStates(context, result);
        } catch (RuntimeException e) {
            result.setProperty("bundles.error", e.toString());
        }
        try {
            Path out = Path.of(context.getProperty("blocklayer.probe.out"));
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            try (OutputStream s = Files.newOutputStream(tmp)) {
                result.store(s, "blocklayer Karaf probe");
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            e.printStackTrace();
        }
    }

    private static void probe(BundleContext context, Properties result) throws Exception {
        String image = context.getProperty("blocklayer.probe.image");
        long deadline = System.currentTimeMillis() + WAIT_MS;

        // The block: commands, and the drivers file and raw registered.
        Object commands = null;
        Object drivers = null;
        List<String> names = List.of();
        while (System.currentTimeMillis() < deadline) {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                    "(&(osgi.command.scope=block)(osgi.command.function=drivers))");
            if (refs != null && refs.length > 0) {
                commands = context.getService(refs[0]);
                drivers = call(commands, "drivers", new Class<?>[] {String[].class}, (Object) new String[0]);
                names = driverNames(drivers);
                if (names.contains("file") && names.contains("raw")) {
                    break;
                }
            }
            Thread.sleep(200);
        }
        if (commands == null) {
            throw new IllegalStateException("no block: commands registered within " + WAIT_MS + " ms");
        }
        result.setProperty("drivers.names", String.join(",", names));
        Object formatter = formatter(context);
        result.setProperty("drivers", format(formatter, drivers));

        // block:open IMAGE -n probe; block:length probe; block:close probe
        Object opened = call(commands, "open", new Class<?>[] {String[].class},
                (Object) new String[] {"-n", "probe", image});
        result.setProperty("open", format(formatter, opened));
        Object length = call(commands, "length", new Class<?>[] {String[].class}, (Object) new String[] {"probe"});
        result.setProperty("length", format(formatter, length));
        call(commands, "close", new Class<?>[] {String[].class}, (Object) new String[] {"probe"});

        // The declared node: deploy/org.blocklayer.node~declared.cfg, read by blocklayer's File Install support.
        String declared = "not open within " + WAIT_MS + " ms";
        while (System.currentTimeMillis() < deadline) {
            try {
                declared = format(formatter, call(commands, "length", new Class<?>[] {String[].class},
                        (Object) new String[] {"declared"}));
                break;
            } catch (IllegalStateException e) {
                declared = "not open: " + e.getMessage();
                Thread.sleep(200);
            }
        }
        result.setProperty("declared.length", declared);

        // What blocklayer needs from the container: boot delegation of jdk.internal.vm, osgi.ee JavaSE 25.
        Bundle core = bundle(context, "org.blocklayer.core");
        try {
            Class<?> c = core.loadClass("jdk.internal.vm.Continuation");
            result.setProperty("core.jdk.internal.vm", c.getClassLoader() == null ? "boot" : "bundle");
        } catch (ClassNotFoundException e) {
            result.setProperty("core.jdk.internal.vm", "not visible: " + e);
        }
        List<BundleCapability> ees = context.getBundle(0).adapt(BundleWiring.class).getCapabilities("osgi.ee");
        result.setProperty("system.osgi.ee", ees.stream()
                .map(c -> c.getAttributes().get("osgi.ee") + " " + c.getAttributes().get("version"))
                .collect(Collectors.joining("; ")));
    }

    private static Object call(Object target, String name, Class<?>[] types, Object... args) throws Exception {
        Method m = target.getClass().getMethod(name, types);
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("block:" + name + " failed: " + e.getCause(), e.getCause());
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> driverNames(Object driverList) throws Exception {
        List<Object> infos = (List<Object>) driverList.getClass().getMethod("drivers").invoke(driverList);
        return infos.stream().map(i -> {
            try {
                return (String) i.getClass().getMethod("name").invoke(i);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    /** The shell bundle's Gogo Converter: what the console prints for a command's result. */
    private static Object formatter(BundleContext context) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences("org.apache.felix.service.command.Converter", null);
        if (refs != null) {
            for (ServiceReference<?> ref : refs) {
                if ("org.blocklayer.shell".equals(ref.getBundle().getSymbolicName())) {
                    return context.getService(ref);
                }
            }
        }
        throw new IllegalStateException("org.blocklayer.shell registers no Converter");
    }

    /** Converter.format(result, Converter.INSPECT = 0, null), as the console prints a command's result. */
    private static String format(Object formatter, Object value) throws Exception {
        for (Method m : formatter.getClass().getMethods()) {
            if (m.getName().equals("format") && m.getParameterCount() == 3) {
                Object text = m.invoke(formatter, value, 0, null);
                return text == null ? null : text.toString();
            }
        }
        throw new IllegalStateException("no format method on " + formatter.getClass());
    }

    private static Bundle bundle(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new IllegalStateException("bundle " + symbolicName + " is not installed");
    }

    /**
     * The features service starts the bundles one after the other, and the probe may be done before it started the
     * last ones (health, the last of the feature, was seen RESOLVED on a loaded machine): their states are read once
     * every blocklayer bundle is active, or after {@link #SETTLE_MS}, when one that is not shows as it is.
     */
    private static void awaitStarted(BundleContext context) {
        long deadline = System.currentTimeMillis() + SETTLE_MS;
        try {
            while (System.currentTimeMillis() < deadline && !allStarted(context)) {
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean allStarted(BundleContext context) {
        for (Bundle b : context.getBundles()) {
            String sn = b.getSymbolicName();
            if (sn != null && sn.startsWith("org.blocklayer.") && b.getHeaders().get("Fragment-Host") == null
                    && b.getState() != Bundle.ACTIVE) {
                return false;
            }
        }
        return true;
    }

    private static void bundleStates(BundleContext context, Properties result) {
        for (Bundle b : context.getBundles()) {
            String sn = b.getSymbolicName();
            if (sn != null && sn.startsWith("org.blocklayer.")) {
                result.setProperty("bundle." + sn, state(b.getState()) + " " + b.getVersion());
            }
        }
    }

    private static String state(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            default -> "UNINSTALLED";
        };
    }
}
