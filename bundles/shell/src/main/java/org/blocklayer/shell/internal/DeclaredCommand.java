package org.blocklayer.shell.internal;

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

    public Object declared(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return Catalogue.DECLARED.help();
        }
        JsonOutput.Args j = JsonOutput.Args.of(args);
        Catalogue.DECLARED.exactly(java.util.List.of(), j.rest());
        var list = declarations.declarations();
        return j.json() ? new JsonOutput.Result(JsonOutput.declarations(list)) : new DeclarationList(list);
    }
}
