package org.blocklayer.core.internal.declare;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.graph.CoreFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;

/** The plain configurations File Install 3.7 makes of org.blocklayer.node~NAME.cfg, against the real graph. */
class FileInstallNodesTest {
    private final CoreFixture core = new CoreFixture();
    private final Graph graph = core.graph;
    /** What the fake Config Admin holds: PID to [factory PID or null, properties]. */
    private final Map<String, Object[]> store = new java.util.LinkedHashMap<>();
    @TempDir
    Path dir;

    FileInstallNodesTest() {
        core.addFileAndRawDrivers("test");
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    private String image(String name, long size) throws Exception {
        return CoreFixture.sparseFile(dir, name, size).toString();
    }

    private void put(String pid, String factoryPid, String... keyValues) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("service.pid", pid);
        p.put("felix.fileinstall.filename", "file:/deploy/" + pid + ".cfg");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        store.put(pid, new Object[] {factoryPid, p});
    }

    private ConfigurationEvent event(int type, String pid) {
        @SuppressWarnings("unchecked")
        ServiceReference<ConfigurationAdmin> ref = (ServiceReference<ConfigurationAdmin>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ServiceReference.class}, (p, m, a) -> null);
        return new ConfigurationEvent(ref, type, null, pid);
    }

    /** listConfigurations with a (service.pid=X) or (service.pid=PREFIX*) filter; nothing else is needed. */
    private ConfigurationAdmin configAdmin() {
        return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("listConfigurations")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    Matcher m = Pattern.compile("\\(service\\.pid=(.*)\\)").matcher((String) args[0]);
                    assertThat(m.matches()).isTrue();
                    String want = m.group(1).replace("\\", "");
                    List<Configuration> found = new ArrayList<>();
                    store.forEach((pid, v) -> {
                        boolean match = want.endsWith("*") ? pid.startsWith(want.substring(0, want.length() - 1))
                                : pid.equals(want);
                        if (match) {
                            found.add(configuration(pid, (String) v[0], (Dictionary<?, ?>) v[1]));
                        }
                    });
                    return found.isEmpty() ? null : found.toArray(Configuration[]::new);
                });
    }

    private Configuration configuration(String pid, String factoryPid, Dictionary<?, ?> properties) {
        return (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Configuration.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getPid" -> pid;
                    case "getFactoryPid" -> factoryPid;
                    case "getProperties" -> properties;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private List<String> nodeNames() {
        return graph.nodes().stream().map(NodeInfo::node).filter(n -> !n.startsWith("#")).toList();
    }

    @Test
    @DisplayName("files already read when core starts are opened; a factory configuration is left to DS")
    void existingConfigurationsAreOpened() throws Exception {
        put("org.blocklayer.node~a", null, "filename", image("a.img", 4096));
        put("org.blocklayer.node~b", "org.blocklayer.node", "filename", image("b.img", 4096));
        put("other.pid", null, "filename", image("c.img", 4096));

        FileInstallNodes nodes = new FileInstallNodes(graph, new Declarations(), configAdmin());

        assertThat(nodeNames()).containsExactly("a");
        assertThat(graph.getLength("a")).isEqualTo(4096);
        nodes.deactivate();
        assertThat(graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("a file added, changed and deleted opens, reopens and closes its node")
    void eventsDriveTheNode() throws Exception {
        FileInstallNodes nodes = new FileInstallNodes(graph, new Declarations(), configAdmin());
        String img = image("d.img", 1 << 20);

        put("org.blocklayer.node~d", null, "driver", "raw", "file.driver", "file", "file.filename", img, "size", "4096");
        nodes.configurationEvent(event(ConfigurationEvent.CM_UPDATED, "org.blocklayer.node~d"));
        assertThat(graph.getLength("d")).isEqualTo(4096);

        put("org.blocklayer.node~d", null, "driver", "raw", "file.driver", "file", "file.filename", img, "size", "8192");
        nodes.configurationEvent(event(ConfigurationEvent.CM_UPDATED, "org.blocklayer.node~d"));
        assertThat(graph.getLength("d")).isEqualTo(8192);

        store.remove("org.blocklayer.node~d");
        nodes.configurationEvent(event(ConfigurationEvent.CM_DELETED, "org.blocklayer.node~d"));
        assertThat(graph.nodes()).isEmpty();

        nodes.configurationEvent(event(ConfigurationEvent.CM_UPDATED, "unrelated"));
        assertThat(graph.nodes()).isEmpty();
        nodes.deactivate();
    }

    @Test
    void filterValuesAreEscaped() {
        assertThat(FileInstallNodes.escape("org.blocklayer.node~a(b)*\\c"))
                .isEqualTo("org.blocklayer.node~a\\(b\\)\\*\\\\c");
    }
}
