package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.export.BlockExports;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * The NBD server and its exports as Config Admin configurations, qemu-storage-daemon's {@code --nbd-server} and
 * {@code --export} made live: {@code org.blocklayer.nbdserver} ({@code address}, {@code max-connections}) starts,
 * restarts and stops the server; each {@code org.blocklayer.export~NAME} (a {@code .cfg} in deploy/, which File
 * Install 3.7 turns into a plain configuration of that PID, or a factory configuration of
 * {@code org.blocklayer.export}) is an export of its {@code node}, made as soon as the node is open and the server
 * runs, and retried on core's node events.
 */
@Component(service = {ConfigurationListener.class, EventHandler.class},
        property = EventConstants.EVENT_TOPIC + "=org/blocklayer/node/OPENED")
public final class DeclaredExports implements ConfigurationListener, EventHandler {
    static final String SERVER_PID = "org.blocklayer.nbdserver";
    private static final System.Logger LOG = System.getLogger(DeclaredExports.class.getName());

    private final BlockExports server;
    private final ConfigurationAdmin configAdmin;
    private final ExportDeclarations declarations;
    private final AutoCloseable starts;
    /** Whether the running server is the one the configuration started; guarded by this. */
    private boolean serverDeclared;

    @Activate
    public DeclaredExports(@Reference BlockExports server, @Reference ServerStarts starts,
            @Reference ConfigurationAdmin configAdmin) {
        this.server = server;
        this.configAdmin = configAdmin;
        this.declarations = new ExportDeclarations(server);
        this.starts = starts.onStart(declarations::serverStarted);
        try {
            Configuration[] existing = configAdmin.listConfigurations("(|(" + Constants.SERVICE_PID + "="
                    + SERVER_PID + ")(" + Constants.SERVICE_PID + "=" + ExportDeclaration.PREFIX + "~*))");
            if (existing != null) {
                for (Configuration c : existing) {
                    updated(c.getPid(), c.getProperties());
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list the NBD configurations in Config Admin: " + e);
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        String pid = event.getPid();
        if (!pid.equals(SERVER_PID) && !pid.startsWith(ExportDeclaration.PREFIX + "~")) {
            return;
        }
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            deleted(pid);
            return;
        }
        if (event.getType() != ConfigurationEvent.CM_UPDATED) {
            return;
        }
        try {
            // Listed, not got: getConfiguration would create an empty one for a PID deleted meanwhile.
            Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + escape(pid)
                    + ")");
            if (found != null && found.length == 1) {
                updated(pid, found[0].getProperties());
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.log(System.Logger.Level.WARNING, pid + ": cannot read the configuration: " + e);
        }
    }

    /** A node opened: a declared export waiting for it may go. */
    @Override
    public void handleEvent(Event event) {
        declarations.retry();
    }

    private void updated(String pid, Dictionary<String, Object> properties) {
        if (properties == null) {
            return;
        }
        Map<String, Object> map = new HashMap<>();
        for (String key : Collections.list(properties.keys())) {
            map.put(key, properties.get(key));
        }
        if (pid.equals(SERVER_PID)) {
            startServer(map);
        } else {
            declarations.updated(pid, map);
        }
    }

    private void deleted(String pid) {
        if (!pid.equals(SERVER_PID)) {
            declarations.deleted(pid);
            return;
        }
        synchronized (this) {
            if (serverDeclared) {
                serverDeclared = false;
                stopQuietly();
            }
        }
    }

    /** {@code org.blocklayer.nbdserver}: (re)starts the server where the configuration says. */
    private synchronized void startServer(Map<String, Object> properties) {
        Object address = properties.getOrDefault("address", BlockExports.DEFAULT_ADDRESS);
        Object max = properties.getOrDefault("max-connections", BlockExports.DEFAULT_MAX_CONNECTIONS);
        if (serverDeclared) {
            stopQuietly();
        }
        try {
            server.startNbdServer(String.valueOf(address).strip(), Integer.parseInt(String.valueOf(max).strip()));
            serverDeclared = true;
            LOG.log(System.Logger.Level.INFO, SERVER_PID + ": NBD server listening on " + server.nbdServer().address());
        } catch (BlockException | NumberFormatException e) {
            LOG.log(System.Logger.Level.WARNING, SERVER_PID + ": cannot start the NBD server: " + e.getMessage());
        }
    }

    private void stopQuietly() {
        try {
            server.stopNbdServer();
        } catch (BlockException e) {
            // Stopped by hand already.
        }
    }

    /** RFC 1960 filter escaping: NAME is the operator's text. */
    private static String escape(String value) {
        return value.replaceAll("([\\\\()*])", "\\\\$1");
    }

    @Deactivate
    void deactivate() throws Exception {
        starts.close();
        declarations.clear();
        synchronized (this) {
            if (serverDeclared) {
                stopQuietly();
            }
        }
    }
}
