package org.blocklayer.core.internal.declare;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.NodeDeclarations;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Every live {@link DeclaredNode}, whichever way its configuration came, and every node file File Install could not
 * make a configuration of: what block:declared and health report.
 */
@Component(service = {NodeDeclarations.class, DeclarationRegistry.class})
public final class Declarations implements NodeDeclarations, DeclarationRegistry {
    /** The framework property naming File Install's directory (the launcher sets it to deploy/). */
    static final String FILE_INSTALL_DIR = "felix.fileinstall.dir";

    private final Set<DeclaredNode> nodes = ConcurrentHashMap.newKeySet();
    private final UnreadNodeFiles unread;

    /** Declarations that look into no directory: outside OSGi, where no File Install reads files. */
    public Declarations() {
        this(List.of());
    }

    /** Under DS: File Install's directory is the framework property it reads itself. */
    @Activate
    public Declarations(BundleContext context) {
        this(directories(context.getProperty(FILE_INSTALL_DIR)));
    }

    Declarations(List<Path> fileInstallDirectories) {
        unread = new UnreadNodeFiles(fileInstallDirectories);
    }

    @Override
    public void add(DeclaredNode node) {
        nodes.add(node);
    }

    @Override
    public void remove(DeclaredNode node) {
        nodes.remove(node);
    }

    @Override
    public List<DeclarationInfo> declarations() {
        List<DeclarationInfo> live = nodes.stream().map(DeclaredNode::info).toList();
        Set<String> sources = live.stream().map(DeclarationInfo::source).filter(Objects::nonNull)
                .map(UnreadNodeFiles::pathKey).collect(Collectors.toSet());
        return Stream.concat(live.stream(), unread.besides(sources).stream())
                .sorted(Comparator.comparing(DeclarationInfo::node, Comparator.nullsLast(Comparator.naturalOrder()))
                        .thenComparing(DeclarationInfo::source, Comparator.nullsLast(Comparator.naturalOrder())))
                .toList();
    }

    /** File Install 3.7 takes one directory; a comma-separated list is read as several, for later versions. */
    private static List<Path> directories(String property) {
        if (property == null || property.isBlank()) {
            return List.of();
        }
        return Arrays.stream(property.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Path::of).toList();
    }
}
