package org.blocklayer.webconsole.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.graph.dot.GraphDot;
import org.junit.jupiter.api.Test;

/** The page's HTML: every table there, and nothing from the graph reaching the browser unescaped. */
class PageHtmlTest {
    private static final String SCRIPT = "<script>alert(1)</script>";
    private static final String ATTRIBUTE = "\"><img src=x onerror=alert(2)>";

    private static NodeInfo node(String name, String driver, String file, String context, boolean readOnly) {
        return new NodeInfo(name, driver, file, null, 2048, 1 << 20, null, false, false, readOnly, context, null,
                "2.0.0.SNAPSHOT");
    }

    private static PageSnapshot snapshot(String dot) {
        List<NodeInfo> nodes = List.of(node("disk0", "file", "/images/" + SCRIPT + ".img", "io0", false),
                node("disk1", "file", "/images/b&c.img", "main", true),
                new NodeInfo("gone", null, null, null, 0, -1, "No medium found", false, false, false, "io1", "qcow2"));
        return new PageSnapshot(nodes,
                List.of(new DriverInfo("file", "protocol", "org.blocklayer.driver.file", "2.0.1", 2),
                        new DriverInfo("evil", "format", "bundle" + ATTRIBUTE, "1.0.0<b>", 0)),
                List.of("io0", "io1"),
                List.of(new ExportInfo("exp" + SCRIPT, "disk0", true, ATTRIBUTE, true, 1 << 20, 1, 0, 0)),
                List.of(new DeclarationInfo("deploy/org.blocklayer.node~x.cfg", null, false,
                        "ENOENT: no such file '" + SCRIPT + "'")),
                dot);
    }

    @Test
    void everyTableListsItsRows() {
        String html = PageHtml.render(snapshot("digraph {}"), new GraphSvg.Drawing("<svg id=\"x\"></svg>", null),
                "/system/console/blocklayer");
        assertThat(html).contains("<table class=\"tablelayout nicetable\" id=\"blocklayer-nodes\">",
                "<td>disk0</td><td>file 2.0.0.SNAPSHOT</td><td>1048576</td><td>io0</td><td>no</td>",
                "<td>disk1</td><td>file 2.0.0.SNAPSHOT</td><td>1048576</td><td>main loop</td><td>yes</td>",
                "<td>gone</td><td>no medium (qcow2 gone)</td><td>unknown</td><td>io1</td>",
                "<td>file</td><td>protocol</td><td>org.blocklayer.driver.file</td><td>2.0.1</td><td>2</td>",
                "<td>io0</td><td>disk0</td>", "<td>io1</td><td>gone</td>",
                "3 nodes, 2 drivers, 2 iothreads, 1 exports, 1 declared nodes",
                "<a href=\"/system/console/blocklayer/graph.svg\">SVG</a>",
                "<td>(generated)</td><td>no</td>");
        assertThat(html).contains("<div id=\"blocklayer-graph\" style=\"overflow:auto\">\n<svg id=\"x\"></svg>");
    }

    @Test
    void namesFilesAndMessagesAreEscaped() {
        String html = PageHtml.render(snapshot("digraph {}"), new GraphSvg.Drawing("<svg></svg>", null),
                "/system/console/blocklayer");
        assertThat(html).doesNotContain("<script").doesNotContain("<img").doesNotContain("<b>")
                .doesNotContain("b&c");
        assertThat(html).contains("/images/&lt;script&gt;alert(1)&lt;/script&gt;.img", "/images/b&amp;c.img",
                "<td>bundle&#34;&gt;&lt;img src=x onerror=alert(2)&gt;</td>", "<td>1.0.0&lt;b&gt;</td>",
                "<td>exp&lt;script&gt;alert(1)&lt;/script&gt;</td>",
                "ENOENT: no such file &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;");
    }

    @Test
    void withoutAPictureThePageSaysWhyAndShowsTheDotTextEscaped() {
        String dot = GraphDot.of(snapshot("").nodes(), Map.of("disk0", List.of(new NodeUser("NBD export '" + SCRIPT
                + "'", "root", EnumSet.of(Permission.CONSISTENT_READ), EnumSet.allOf(Permission.class)))));
        GraphSvg.Drawing missing = new GraphSvg(null, java.time.Duration.ofSeconds(1)).draw(dot);
        assertThat(missing.svg()).isNull();
        assertThat(missing.problem()).startsWith("Graphviz is not installed (no 'dot' on PATH)")
                .contains("apt-get install graphviz");
        String html = PageHtml.render(snapshot(dot), missing, "/system/console/blocklayer");
        assertThat(html).contains("<p class=\"ui-state-error\" id=\"blocklayer-graph-problem\">Graphviz is not"
                + " installed").contains("<pre id=\"blocklayer-dot\">digraph blocklayer {")
                .contains("NBD export &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;").doesNotContain("<script")
                .doesNotContain("<svg");
    }
}
