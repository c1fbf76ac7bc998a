package org.blocklayer.core.internal.declare;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.NodeDeclarations;
import org.osgi.service.component.annotations.Component;

/** Every live {@link DeclaredNode}, whichever way its configuration came: what block:declared and health report. */
@Component(service = NodeDeclarations.class)
public final class Declarations implements NodeDeclarations {
    private final Set<DeclaredNode> nodes = ConcurrentHashMap.newKeySet();

    void add(DeclaredNode node) {
        nodes.add(node);
    }

    void remove(DeclaredNode node) {
        nodes.remove(node);
    }

    @Override
    public List<DeclarationInfo> declarations() {
        return nodes.stream().map(DeclaredNode::info)
                .sorted(Comparator.comparing(DeclarationInfo::node, Comparator.nullsLast(Comparator.naturalOrder()))
                        .thenComparing(DeclarationInfo::source))
                .toList();
    }
}
