package org.blocklayer.core.internal.declare;

import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;

import org.blocklayer.core.internal.graph.NotifyingGraph;
import org.blocklayer.core.internal.log.CoreLog;
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
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The nodes of {@code org.blocklayer.node~NAME.cfg} files as File Install 3.7 (Felix's, and Karaf's) hands them
 * over: it reads only {@code PID-NAME.cfg} as a factory configuration, so such a file becomes a plain configuration
 * whose PID is {@code org.blocklayer.node~NAME}, which no DS factory component sees. This listener gives each of them
 * a {@link DeclaredNode}, from those already there when it starts and from Config Admin's events after: the same
 * node, the same rules, as a real named factory configuration gets from DS.
 */
@Component(service = ConfigurationListener.class)
public final class FileInstallNodes implements ConfigurationListener {
    private static final String PREFIX = NodeDeclaration.FACTORY_PID + "~";

    @Reference(service = LoggerFactory.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC)
    private volatile Logger logger;
    private final CoreLog log = new CoreLog(() -> logger, "org.blocklayer.core");

    private final NotifyingGraph graph;
    private final DeclarationRegistry declarations;
    private final ConfigurationAdmin configAdmin;
    /** By PID; guarded by this. */
    private final Map<String, DeclaredNode> nodes = new HashMap<>();
    private boolean stopped;

    @Activate
    public FileInstallNodes(@Reference NotifyingGraph graph, @Reference DeclarationRegistry declarations,
            @Reference ConfigurationAdmin configAdmin) {
        this.graph = graph;
        this.declarations = declarations;
        this.configAdmin = configAdmin;
        try {
            Configuration[] existing = configAdmin.listConfigurations(
                    "(" + Constants.SERVICE_PID + "=" + PREFIX + "*)");
            if (existing != null) {
                for (Configuration c : existing) {
                    if (c.getFactoryPid() == null) {
                        updated(c.getPid(), c.getProperties());
                    }
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            log.warn("cannot list the node configurations already in Config Admin: {}", e);
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        String pid = event.getPid();
        if (!pid.startsWith(PREFIX) || event.getFactoryPid() != null) {
            return;
        }
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            deleted(pid);
            return;
        }
        if (event.getType() == ConfigurationEvent.CM_UPDATED) {
            try {
                Configuration[] found = configAdmin.listConfigurations(
                        "(" + Constants.SERVICE_PID + "=" + escape(pid) + ")");
                if (found != null && found.length == 1) {
                    updated(pid, found[0].getProperties());
                }
            } catch (IOException | InvalidSyntaxException e) {
                log.warn("configuration {}: cannot read it: {}", pid, e);
            }
        }
    }

    @Deactivate
    synchronized void deactivate() throws Exception {
        stopped = true;
        for (DeclaredNode node : nodes.values()) {
            node.deactivate();
        }
        nodes.clear();
    }

    private synchronized void updated(String pid, Dictionary<String, Object> properties) {
        if (stopped || properties == null) {
            return;
        }
        Map<String, Object> map = new HashMap<>();
        for (String key : Collections.list(properties.keys())) {
            map.put(key, properties.get(key));
        }
        DeclaredNode node = nodes.get(pid);
        if (node == null) {
            nodes.put(pid, new DeclaredNode(graph, declarations, map, () -> logger));
        } else {
            node.modified(map);
        }
    }

    private synchronized void deleted(String pid) {
        DeclaredNode node = nodes.remove(pid);
        if (node != null) {
            try {
                node.deactivate();
            } catch (Exception e) {
                log.warn("configuration {}: closing its node failed: {}", pid, e);
            }
        }
    }

    /** RFC 1960 filter escaping: NAME is the operator's text and may hold '(', ')', '*' or '\'. */
    static String escape(String value) {
        return value.replaceAll("([\\\\()*])", "\\\\$1");
    }
}
