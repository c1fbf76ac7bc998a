package org.blocklayer.webconsole.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.export.BlockExports;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.NodeDeclarations;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.owasp.encoder.Encode;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The Felix Web Console page {@code /system/console/blocklayer}: QEMU's {@code query-named-block-nodes},
 * {@code query-iothreads}, {@code query-block-exports} and the picture of {@code x-debug-query-block-graph} that
 * scripts/render_block_graph.py draws, on one page, read afresh at every load (a reload shows a driver swap). A plain
 * servlet the console frames; {@code graph.svg} and {@code graph.dot} under it are the bare picture and its text.
 */
@Component(service = Servlet.class, property = {
    BlockGraphPage.LABEL_PROPERTY + "=" + BlockGraphPage.LABEL,
    "felix.webconsole.title=Block graph",
    "felix.webconsole.category=blocklayer"})
public final class BlockGraphPage extends HttpServlet {
    static final String LABEL_PROPERTY = "felix.webconsole.label";
    static final String LABEL = "blocklayer";
    /** The request attribute in which the console passes its root path (/system/console). */
    private static final String APP_ROOT = "felix.webconsole.appRoot";
    private static final long serialVersionUID = 1L;

    private final transient BlockGraph graph;
    private final transient BlockBackends backends;
    private final transient BlockExports exports;
    private final transient NodeDeclarations declarations;
    private final transient GraphSvg drawer = new GraphSvg(GraphSvg.onPath(), Duration.ofSeconds(10));

    @Activate
    public BlockGraphPage(@Reference BlockGraph graph, @Reference BlockBackends backends,
            @Reference BlockExports exports, @Reference NodeDeclarations declarations) {
        this.graph = graph;
        this.backends = backends;
        this.exports = exports;
        this.declarations = declarations;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        PageSnapshot snapshot;
        try {
            snapshot = PageSnapshot.take(graph, backends, exports, declarations);
        } catch (BlockException e) {
            response.setContentType("text/html;charset=utf-8");
            response.getWriter().write("<p class=\"ui-state-error\">" + Encode.forHtml(e.getMessage()) + "</p>");
            return;
        }
        String uri = request.getRequestURI();
        if (uri.endsWith("/graph.dot")) {
            send(response, "text/vnd.graphviz", snapshot.dot());
            return;
        }
        GraphSvg.Drawing drawing = drawer.draw(snapshot.dot());
        if (uri.endsWith("/graph.svg")) {
            if (drawing.svg() == null) {
                response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, drawing.problem());
            } else {
                send(response, "image/svg+xml", drawing.svg());
            }
            return;
        }
        Object root = request.getAttribute(APP_ROOT);
        send(response, "text/html", PageHtml.render(snapshot, drawing, (root == null ? "" : root) + "/" + LABEL));
    }

    private static void send(HttpServletResponse response, String type, String body) throws IOException {
        response.setContentType(type + ";charset=utf-8");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(body);
    }
}
