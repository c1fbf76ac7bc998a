package org.blocklayer.launcher;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * One Gogo command session, opened on the CommandProcessor service.
 *
 * <p>Gogo's API lives in the gogo.runtime bundle, not on the launcher's class path; it is reached by reflection
 * on the service's own class loader. Exporting it from the system bundle instead would give the framework two
 * providers of {@code org.apache.felix.service.command} for five method calls.
 */
final class GogoSession implements AutoCloseable {

    private static final String PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
    private static final String SESSION = "org.apache.felix.service.command.CommandSession";
    private static final String FUNCTION = "org.apache.felix.service.command.Function";
    private static final String THREAD_IO = "org.apache.felix.service.threadio.ThreadIO";
    /** Where the batch modes look a name without scope up: blocklayer's first, then every other scope. */
    static final String BATCH_SCOPE = "block:*";
    /** {@code Converter.INSPECT}: the full form, as Gogo's own shell prints a result. */
    private static final int INSPECT = 0;
    /** Session variable under which Gogo lists every "scope:function" it knows. */
    private static final String COMMANDS = ".commands";

    private final ServiceTracker<Object, Object> tracker;
    private final Object session;
    private final Method execute;
    private final Method format;
    private final Method get;
    private final Method close;
    private final Class<?> functionType;
    private final Method call;
    private final Object threadIo;
    private final Method setStreams;
    private final Method closeStreams;
    private final PrintStream out;
    private final PrintStream err;

    private GogoSession(ServiceTracker<Object, Object> tracker, Object session, ClassLoader gogo, Object threadIo,
            PrintStream out, PrintStream err) throws ReflectiveOperationException {
        Class<?> sessionType = gogo.loadClass(SESSION);
        this.tracker = tracker;
        this.session = session;
        this.execute = sessionType.getMethod("execute", CharSequence.class);
        this.format = sessionType.getMethod("format", Object.class, int.class);
        this.get = sessionType.getMethod("get", String.class);
        this.close = sessionType.getMethod("close");
        this.functionType = gogo.loadClass(FUNCTION);
        this.call = functionType.getMethod("execute", sessionType, List.class);
        this.threadIo = threadIo;
        Class<?> threadIoType = gogo.loadClass(THREAD_IO);
        this.setStreams = threadIoType.getMethod("setStreams", InputStream.class, PrintStream.class, PrintStream.class);
        this.closeStreams = threadIoType.getMethod("close");
        this.out = out;
        this.err = err;
        sessionType.getMethod("put", String.class, Object.class).invoke(session, "SCOPE", BATCH_SCOPE);
    }

    /**
     * A session whose commands read nothing and write to {@code out} and {@code err}, once Gogo's CommandProcessor
     * is registered (waiting at most {@code timeout}).
     */
    static GogoSession open(BundleContext context, Duration timeout, PrintStream out, PrintStream err) throws Exception {
        ServiceTracker<Object, Object> tracker =
                new ServiceTracker<>(context, context.createFilter("(objectClass=" + PROCESSOR + ")"), null);
        // All services, not only class-compatible ones: the launcher does not see Gogo's classes itself.
        tracker.open(true);
        try {
            Object processor = tracker.waitForService(timeout.toMillis());
            if (processor == null) {
                throw new IllegalStateException("Gogo's command processor did not appear within " + timeout.toSeconds()
                        + " s: is org.apache.felix.gogo.runtime in bundle/ and active?");
            }
            ClassLoader gogo = processor.getClass().getClassLoader();
            Class<?> processorType = gogo.loadClass(PROCESSOR);
            Method createSession = processorType.getMethod("createSession",
                    InputStream.class, OutputStream.class, OutputStream.class);
            Object session = unwrap(() -> createSession.invoke(processor, InputStream.nullInputStream(), out, err));
            return new GogoSession(tracker, session, gogo, threadIo(context), out, err);
        } catch (Throwable t) {
            tracker.close();
            throw t;
        }
    }

    /** Runs one command; its result (null when it has none), or the exception the command threw. */
    Object execute(String command) throws Exception {
        return unwrap(() -> execute.invoke(session, command));
    }

    /**
     * Runs one command given as words, without Gogo's script parser: the first word names the command (looked up
     * as Gogo looks up a name, {@code block} scope first), the others are its arguments exactly as given. While it
     * runs, what it prints on System.out and System.err goes to this session's streams, as under {@link #execute}.
     *
     * @throws UnknownCommand when no command has that name
     */
    Object call(List<String> words) throws Exception {
        String name = words.getFirst();
        // "*:open" is how Gogo's own parser asks for a name without scope: looked up along SCOPE.
        String lookup = name.indexOf(':') >= 0 ? name : "*:" + name;
        Object function = name.isEmpty() || name.startsWith(".") ? null : unwrap(() -> get.invoke(session, lookup));
        if (!functionType.isInstance(function)) {
            throw new UnknownCommand(name);
        }
        List<Object> arguments = List.copyOf(words.subList(1, words.size()));
        unwrap(() -> setStreams.invoke(threadIo, InputStream.nullInputStream(), out, err));
        try {
            return unwrap(() -> call.invoke(function, session, arguments));
        } finally {
            unwrap(() -> closeStreams.invoke(threadIo));
            out.flush();
        }
    }

    /** No command of the given name: neither {@code block:NAME} nor one of another scope. */
    static final class UnknownCommand extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownCommand(String name) {
            super("unknown command '" + printable(name) + "'; 'help' lists the block commands, 'help gogo' all others");
        }

        /** Control characters as \\xNN, so that an error never moves the cursor or clears the screen. */
        private static String printable(String name) {
            StringBuilder out = new StringBuilder();
            name.chars().forEach(c -> out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : (char) c));
            return out.toString();
        }

        /** As the shell bundle's own report of an unknown command: message and errno. */
        public String describe() {
            return getMessage() + " (EINVAL)";
        }
    }

    /** Gogo's ThreadIO service, which gives each command thread its own System.out and System.err. */
    private static Object threadIo(BundleContext context) {
        var reference = context.getServiceReference(THREAD_IO);
        Object service = reference == null ? null : context.getService(reference);
        if (service == null) {
            throw new IllegalStateException("Gogo's ThreadIO service is missing: is org.apache.felix.gogo.runtime"
                    + " active?");
        }
        return service;
    }

    /** The result as Gogo's shell would show it, through the Converter services (the shell bundle's among them). */
    String format(Object result) throws Exception {
        return String.valueOf(unwrap(() -> format.invoke(session, result, INSPECT)));
    }

    /** True when Gogo has at least one command of {@code scope}: its own service listener has run. */
    boolean knowsScope(String scope) {
        try {
            return unwrap(() -> get.invoke(session, COMMANDS)) instanceof Collection<?> commands
                    && commands.stream().anyMatch(c -> String.valueOf(c).startsWith(scope + ":"));
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            unwrap(() -> close.invoke(session));
        } catch (Exception e) {
            // The framework may be stopping under us; the session goes with it.
        } finally {
            tracker.close();
        }
    }

    private interface Call {
        Object call() throws ReflectiveOperationException;
    }

    /** Reflection wraps what the command threw; callers want the command's own exception. */
    private static Object unwrap(Call call) throws Exception {
        try {
            return call.call();
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
