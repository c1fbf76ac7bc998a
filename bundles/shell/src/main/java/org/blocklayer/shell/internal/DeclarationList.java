package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.graph.DeclarationInfo;

/** What {@code block:declared} returns: every declared node and how it stands. */
public record DeclarationList(List<DeclarationInfo> declarations) {
    public DeclarationList {
        declarations = List.copyOf(declarations);
    }
}
