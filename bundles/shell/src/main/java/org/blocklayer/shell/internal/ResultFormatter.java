package org.blocklayer.shell.internal;

import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.felix.service.command.Converter;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.osgi.service.component.annotations.Component;

/**
 * The one place where the results of the {@code block:} commands become text: a Gogo {@link Converter} service,
 * which Gogo asks to format every result it prints. It formats blocklayer's result types at the three Gogo levels
 * (INSPECT: what a command prints; LINE: one row of a table; PART: a short name) and answers null for anything
 * else, so other types keep their usual formatting. It converts nothing.
 */
@Component(service = Converter.class)
public final class ResultFormatter implements Converter {
    static final String NO_MEDIUM = "no medium";
    static final String NONE = "-";

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return switch (target) {
            case LengthResult r -> checked(level, Long.toString(r.length()));
            case OpenResult r -> checked(level, r.nodeName());
            case NodeInfo n -> switch (checked(level)) {
                case INSPECT -> details(n);
                case LINE -> Table.line(nodeRow(n));
                default -> n.node();
            };
            case NodeList l -> switch (checked(level)) {
                case INSPECT -> table(l.nodes().stream().map(ResultFormatter::nodeRow));
                default -> l.nodes().stream().map(NodeInfo::node).collect(Collectors.joining(", "));
            };
            case DriverInfo d -> switch (checked(level)) {
                case INSPECT -> "name: " + d.name() + "\nkind: " + d.kind() + "\nbundle: " + d.bundle()
                        + "\nversion: " + d.version();
                case LINE -> Table.line(driverRow(d));
                default -> d.name();
            };
            case DriverList l -> switch (checked(level)) {
                case INSPECT -> table(l.drivers().stream().map(ResultFormatter::driverRow));
                default -> l.drivers().stream().map(DriverInfo::name).collect(Collectors.joining(", "));
            };
            case IothreadList l -> switch (checked(level)) {
                case INSPECT -> String.join("\n", l.ids());
                default -> String.join(", ", l.ids());
            };
            case null, default -> null;
        };
    }

    /** {@code block:info}: key: value lines, in a fixed order. */
    private static String details(NodeInfo n) {
        return "node: " + n.node()
                + "\ndriver: " + driver(n)
                + "\nfile: " + orNone(n.fileChild())
                + "\nfilename: " + orNone(n.filename())
                + "\ntotal-sectors: " + n.totalSectors()
                + "\nlength: " + length(n)
                + "\nsg: " + n.sg()
                + "\nvariable-length: " + n.variableLength()
                + "\nread-only: " + n.readOnly()
                + "\naio-context: " + n.aioContext();
    }

    private static String[] nodeRow(NodeInfo n) {
        return new String[] {n.node(), driver(n), orNone(n.filename()), n.length() < 0 ? NONE : Long.toString(n.length())};
    }

    private static String[] driverRow(DriverInfo d) {
        return new String[] {d.name(), d.kind(), d.bundle(), d.version()};
    }

    private static String table(Stream<String[]> rows) {
        Table table = new Table();
        rows.forEach(table::row);
        return table.render();
    }

    private static String driver(NodeInfo n) {
        return n.driver() == null ? NO_MEDIUM : n.driver();
    }

    private static String length(NodeInfo n) {
        if (n.length() >= 0) {
            return Long.toString(n.length());
        }
        return n.lengthError() == null ? NONE : NONE + " (" + n.lengthError() + ")";
    }

    private static String orNone(String s) {
        return s == null ? NONE : s;
    }

    private static int checked(int level) {
        if (level != INSPECT && level != LINE && level != PART) {
            throw new IllegalArgumentException("Unknown Gogo format level " + level);
        }
        return level;
    }

    private static String checked(int level, String text) {
        checked(level);
        return text;
    }
}
