package org.blocklayer.qmp.internal;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.export.BlockExports;
import org.blocklayer.api.graph.BlockGraph;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The QMP server (QEMU's {@code --chardev socket,server=on --monitor chardev=...} of qemu-storage-daemon): listens
 * where configuration {@value #PID} ({@code unix=PATH}, {@code tcp=127.0.0.1:PORT}) or framework property
 * {@value #FRAMEWORK_PROPERTY} (the launcher's {@code --qmp}, {@code unix:PATH} or {@code tcp:HOST:PORT}) says, serves
 * any number of clients, and sends them blocklayer's events. Without either it listens nowhere.
 */
@Component(configurationPid = QmpServer.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = EventHandler.class, immediate = true,
        property = {EventConstants.EVENT_TOPIC + "=" + QmpEvents.NODE_TOPICS,
                EventConstants.EVENT_TOPIC + "=" + QmpEvents.EXPORT_TOPICS})
public final class QmpServer implements EventHandler {
    static final String PID = "org.blocklayer.qmp";
    static final String FRAMEWORK_PROPERTY = "blocklayer.qmp";
    /** The largest request accepted, in bytes (configuration {@code max-request-bytes}). */
    static final int DEFAULT_MAX_REQUEST = 1 << 20;
    private static final long CLOSE_WAIT_MILLIS = 2000;

    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC)
    private volatile Logger logger;

    private final ObjectMapper mapper = new ObjectMapper();
    private final ExecutorService serial = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("qmp-dispatch").unstarted(r));
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger clients = new AtomicInteger();
    private final List<QmpListener> listeners = new ArrayList<>();
    private final Dispatcher dispatcher;
    private final ExportCommands exportCommands;
    private final ObjectNode greeting;
    private final int maxRequest;

    @Activate
    public QmpServer(BundleContext context, Map<String, Object> config, @Reference CoroutineScheduler scheduler,
            @Reference BlockGraph graph, @Reference BlockBackends backends, @Reference BlockExports exports)
            throws IOException {
        this(context.getBundle().getVersion().toString(), config, context.getProperty(FRAMEWORK_PROPERTY),
                () -> stopFramework(context), scheduler, graph, backends, exports);
    }

    /** The server without OSGi: {@code quit} runs {@code quit}; {@code property} as the framework property. */
    QmpServer(String version, Map<String, Object> config, String property, Runnable quit,
            CoroutineScheduler scheduler, BlockGraph graph, BlockBackends backends, BlockExports exports)
            throws IOException {
        this.greeting = ControlCommands.greeting(version);
        this.maxRequest = intOption(config, "max-request-bytes", DEFAULT_MAX_REQUEST);
        CommandTable table = new CommandTable();
        ControlCommands.register(table, version, quit);
        new NodeCommands(graph, backends).register(table);
        new IothreadCommands(graph, backends).register(table);
        this.exportCommands = new ExportCommands(exports, graph);
        exportCommands.register(table);
        this.dispatcher = new Dispatcher(table, serial, scheduler, this::warn);
        try {
            for (QmpAddress address : addresses(config, property)) {
                listeners.add(QmpListener.listen(address, this::accepted));
            }
        } catch (IOException | RuntimeException e) {
            deactivate();
            throw e;
        }
    }

    /** The addresses to listen on: the configuration's, then the framework property's. */
    static List<QmpAddress> addresses(Map<String, Object> config, String property) {
        List<QmpAddress> addresses = new ArrayList<>();
        if (config.get("unix") != null) {
            addresses.add(QmpAddress.unix(config.get("unix").toString()));
        }
        if (config.get("tcp") != null) {
            addresses.add(QmpAddress.tcp(config.get("tcp").toString()));
        }
        if (property != null && !property.isBlank()) {
            for (String a : property.split(",")) {
                QmpAddress address = QmpAddress.parse(a);
                if (addresses.stream().noneMatch(x -> x.text().equals(address.text()))) {
                    addresses.add(address);
                }
            }
        }
        return addresses;
    }

    private static int intOption(Map<String, Object> config, String key, int absent) {
        Object v = config.get(key);
        if (v == null) {
            return absent;
        }
        try {
            int n = Integer.parseInt(v.toString().strip());
            if (n < 1024) {
                throw new IllegalArgumentException(PID + ": " + key + " must be at least 1024, not " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PID + ": " + key + " must be a number of bytes, not '" + v + "'");
        }
    }

    /** Where the listeners listen, with the ports {@code tcp:...:0} got (for tests and the log). */
    List<String> boundAddresses() throws IOException {
        List<String> bound = new ArrayList<>();
        for (QmpListener l : listeners) {
            bound.add(l.boundAddress());
        }
        return bound;
    }

    private void accepted(SocketChannel channel) {
        Session session = new Session(clients.incrementAndGet(), channel, dispatcher, mapper, maxRequest,
                sessions::remove);
        sessions.add(session);
        session.start(greeting);
    }

    @Override
    public void handleEvent(Event event) {
        ObjectNode qmp = QmpEvents.of(event, exportCommands, Instant.now());
        if (qmp != null) {
            sessions.forEach(s -> s.event(qmp));
        }
    }

    /** {@code quit}: the reply goes out first, then the framework stops as Gogo's {@code stop 0} stops it. */
    private static void stopFramework(BundleContext context) {
        Thread.ofPlatform().name("qmp-quit").start(() -> {
            try {
                context.getBundle(0).stop();
            } catch (BundleException | IllegalStateException e) {
                // The framework is stopping already, or this bundle with it: quit has its way either way.
            }
        });
    }

    private void warn(String message, Throwable failure) {
        Logger l = logger;
        if (l != null) {
            l.warn("{}: {}", message, failure.toString(), failure);
        }
    }

    @Deactivate
    void deactivate() {
        for (QmpListener l : listeners) {
            try {
                l.close();
            } catch (IOException e) {
                warn("closing QMP listener " + l.address().text(), e);
            }
        }
        for (Session s : List.copyOf(sessions)) {
            try {
                s.closeAndWait(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Commands still queued will not run: their sessions are told so instead of waiting forever.
        serial.shutdownNow().forEach(r -> ((java.util.concurrent.Future<?>) r).cancel(false));
    }
}
