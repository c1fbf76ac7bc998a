package org.blocklayer.health.internal;

import java.util.List;
import java.util.stream.Collectors;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.NodeDeclarations;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * One check over the declared nodes ({@code org.blocklayer.node~NAME.cfg}): a declaration whose node is not open
 * has no node, hence no node check of its own, and would otherwise leave health green while it waits.
 */
@Component(service = HealthCheck.class, property = {HealthCheck.NAME + "=blocklayer declared nodes",
        HealthCheck.TAGS + "=default", HealthCheck.TAGS + "=block", "hc.resultCacheTtlInMs:Long=0"})
public final class DeclarationsCheck implements HealthCheck {
    private final NodeDeclarations declarations;

    @Activate
    public DeclarationsCheck(@Reference NodeDeclarations declarations) {
        this.declarations = declarations;
    }

    @Override
    public Result execute() {
        return of(declarations.declarations());
    }

    /** OK when every declared node is open; CRITICAL naming each one that is not, with its file and reason. */
    static Result of(List<DeclarationInfo> all) {
        List<DeclarationInfo> waiting = all.stream().filter(d -> !d.open()).toList();
        if (waiting.isEmpty()) {
            return new Result(Result.Status.OK, all.size() + (all.size() == 1 ? " declared node, open"
                    : " declared nodes, all open"));
        }
        return new Result(Result.Status.CRITICAL, waiting.stream()
                .map(d -> "node " + (d.node() == null ? "(generated name)" : d.node()) + " (" + d.source()
                        + ") is not open: " + d.problem())
                .collect(Collectors.joining("; ")));
    }
}
