package org.blocklayer.webconsole.internal;

import java.util.List;
import java.util.function.Function;

import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.owasp.encoder.Encode;

/**
 * The page's HTML, the part the Web Console frames with its header and menu: the graph (SVG, or the dot text and
 * why there is no picture) and a table each of nodes, drivers, iothreads, exports and declared nodes. Every string
 * from the graph (node, file, export and bundle names, error messages) is escaped with OWASP's encoder; the SVG comes
 * from Graphviz, which escapes the labels it draws.
 */
final class PageHtml {
    private PageHtml() {
    }

    /** The page for {@code snapshot} drawn as {@code drawing}; links start at {@code root} (/system/console/blocklayer). */
    static String render(PageSnapshot snapshot, GraphSvg.Drawing drawing, String root) {
        StringBuilder html = new StringBuilder("<div id=\"blocklayer\">\n");
        html.append("<p class=\"statline\">").append(snapshot.nodes().size()).append(" nodes, ")
                .append(snapshot.drivers().size()).append(" drivers, ").append(snapshot.iothreads().size())
                .append(" iothreads, ").append(snapshot.exports().size()).append(" exports, ")
                .append(snapshot.declarations().size()).append(" declared nodes. The graph as ")
                .append(link(root + "/graph.svg", "SVG")).append(" or as ").append(link(root + "/graph.dot", "dot"))
                .append(" (block:graph).</p>\n");

        html.append("<h2>Graph</h2>\n<div id=\"blocklayer-graph\" style=\"overflow:auto\">\n");
        if (drawing.svg() != null) {
            html.append(drawing.svg()).append('\n');
        } else {
            html.append("<p class=\"ui-state-error\" id=\"blocklayer-graph-problem\">").append(Encode.forHtml(drawing.problem()))
                    .append("</p>\n<pre id=\"blocklayer-dot\">").append(Encode.forHtml(snapshot.dot())).append("</pre>\n");
        }
        html.append("</div>\n");

        table(html, "Nodes", "blocklayer-nodes", List.of("Node", "Driver", "Length", "Iothread", "Read-only", "File"),
                snapshot.nodes(), n -> List.of(n.node(), driver(n), n.length() < 0 ? "unknown" : Long.toString(n.length()),
                        context(n.aioContext()), n.readOnly() ? "yes" : "no", n.filename() == null ? "" : n.filename()));
        table(html, "Drivers", "blocklayer-drivers", List.of("Driver", "Kind", "Bundle", "Version", "Nodes"),
                snapshot.drivers(), d -> List.of(d.name(), d.kind(), d.bundle(), d.version(), Integer.toString(d.nodes())));
        table(html, "Iothreads", "blocklayer-iothreads", List.of("Iothread", "Nodes"), snapshot.iothreads(),
                id -> List.of(id, String.join(", ", snapshot.nodes().stream().filter(n -> id.equals(n.aioContext()))
                        .map(NodeInfo::node).toList())));
        table(html, "Exports", "blocklayer-exports", List.of("Export", "Node", "Writable", "Clients", "Description"),
                snapshot.exports(), e -> List.of(e.name(), e.node(), e.writable() ? "yes" : "no",
                        Integer.toString(e.clients()), e.description() == null ? "" : e.description()));
        table(html, "Declared nodes", "blocklayer-declared", List.of("Declaration", "Node", "Open", "Problem"),
                snapshot.declarations(), d -> List.of(d.source(), d.node() == null ? "(generated)" : d.node(),
                        d.open() ? "yes" : "no", d.problem() == null ? "" : d.problem()));
        return html.append("</div>\n").toString();
    }

    private static <T> void table(StringBuilder html, String title, String id, List<String> headings, List<T> rows,
            Function<T, List<String>> cells) {
        html.append("<h2>").append(Encode.forHtml(title)).append("</h2>\n<table class=\"tablelayout nicetable\" id=\"")
                .append(Encode.forHtmlAttribute(id)).append("\">\n<thead><tr>");
        headings.forEach(h -> html.append("<th>").append(Encode.forHtml(h)).append("</th>"));
        html.append("</tr></thead>\n<tbody>\n");
        if (rows.isEmpty()) {
            html.append("<tr><td colspan=\"").append(headings.size()).append("\">none</td></tr>\n");
        }
        for (T row : rows) {
            html.append("<tr>");
            cells.apply(row).forEach(c -> html.append("<td>").append(Encode.forHtml(c)).append("</td>"));
            html.append("</tr>\n");
        }
        html.append("</tbody>\n</table>\n");
    }

    private static String link(String href, String text) {
        return "<a href=\"" + Encode.forHtmlAttribute(href) + "\">" + Encode.forHtml(text) + "</a>";
    }

    /** The driver and the version of the bundle it came from, or what a node without its driver shows. */
    private static String driver(NodeInfo n) {
        if (n.driver() == null) {
            return "no medium (" + n.goneDriver() + " gone)";
        }
        return n.driverVersion() == null ? n.driver() : n.driver() + " " + n.driverVersion();
    }

    private static String context(String aioContext) {
        return BlockGraph.MAIN_CONTEXT.equals(aioContext) ? "main loop" : aioContext;
    }
}
