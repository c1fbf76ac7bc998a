package org.blocklayer.shell.internal;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.blocklayer.api.graph.NodeDeclarations;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code block:declared}: the nodes declared in Config Admin, open or waiting, and why a waiting one waits. */
@Component(service = DeclaredCommand.class)
@GogoCommand(scope = "block", function = {"declared"})
public final class DeclaredCommand {
    private final NodeDeclarations declarations;

    @Activate
    public DeclaredCommand(@Reference NodeDeclarations declarations) {
        this.declarations = declarations;
    }

    @Descriptor("list the nodes declared in Config Admin (org.blocklayer.node~NAME.cfg files): node, open or waiting,"
            + " the file, and why a waiting one is not open")
    public DeclarationList declared() {
        return new DeclarationList(declarations.declarations());
    }
}
