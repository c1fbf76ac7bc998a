package org.blocklayer.fileinstall.internal;

import java.io.File;
import java.io.IOException;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Turns {@code org.blocklayer.node~NAME.cfg} in File Install's directory into the named factory configuration
 * {@code org.blocklayer.node~NAME}, as Config Admin 1.6 names them. File Install 3.7 reads only
 * {@code PID-NAME.cfg} as a factory configuration and would make a {@code ~} file a plain configuration that no
 * factory sees; this installer is asked first (higher ranking) and takes those files.
 */
@Component(property = Constants.SERVICE_RANKING + ":Integer=100")
public final class NodeCfgInstaller implements ArtifactInstaller {
    private final ConfigurationAdmin configAdmin;

    @Activate
    public NodeCfgInstaller(@Reference ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    @Override
    public boolean canHandle(File artifact) {
        return NodeCfgFile.nodeName(artifact) != null;
    }

    @Override
    public void install(File artifact) throws IOException {
        NodeCfgFile cfg = NodeCfgFile.read(artifact);
        // "?" binds the configuration to no bundle in particular, as File Install does for its own.
        Configuration c = configAdmin.getFactoryConfiguration(NodeCfgFile.FACTORY_PID, cfg.name(), "?");
        c.updateIfDifferent(cfg.properties());
    }

    @Override
    public void update(File artifact) throws IOException {
        install(artifact);
    }

    @Override
    public void uninstall(File artifact) throws IOException {
        String name = NodeCfgFile.nodeName(artifact);
        String pid = NodeCfgFile.FACTORY_PID + "~" + name;
        try {
            Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + escape(pid) + ")");
            if (found != null) {
                for (Configuration c : found) {
                    c.delete();
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IOException("node name '" + name + "' in " + artifact + " makes no valid filter", e);
        }
    }

    /** RFC 1960 filter escaping: a node name is the operator's text and may hold '(', ')', '*' or '\\'. */
    static String escape(String value) {
        return value.replaceAll("([\\\\()*])", "\\\\$1");
    }
}
