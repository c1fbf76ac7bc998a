package org.blocklayer.shell.internal;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.felix.service.command.Converter;
import org.blocklayer.api.backend.BackendInfo;
import org.blocklayer.api.backend.MapEntry;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.Permission;
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
            case JsonOutput.Result j -> checked(level, j.text());
            case OpenResult r -> checked(level, r.nodeName());
            case NodeInfo n -> switch (checked(level)) {
                case INSPECT -> details(n);
                case LINE -> Table.line(nodeRow(n));
                default -> n.node();
            };
            case NodeDetails d -> switch (checked(level)) {
                case INSPECT -> details(d.info()) + chain(d.chain()) + formatSpecific(d.info()) + users(d.users());
                case LINE -> Table.line(nodeRow(d.info()));
                default -> d.info().node();
            };
            case BackendList l -> switch (checked(level)) {
                case INSPECT -> table(l.backends().stream().map(ResultFormatter::backendRow));
                default -> l.backends().stream().map(BackendInfo::user).collect(Collectors.joining(", "));
            };
            case NodeList l -> switch (checked(level)) {
                case INSPECT -> table(l.nodes().stream().map(ResultFormatter::nodeRow));
                default -> l.nodes().stream().map(NodeInfo::node).collect(Collectors.joining(", "));
            };
            case DriverInfo d -> switch (checked(level)) {
                case INSPECT -> "name: " + d.name() + "\nkind: " + d.kind() + "\nbundle: " + d.bundle()
                        + "\nversion: " + d.version() + "\nnodes: " + d.nodes();
                case LINE -> Table.line(driverRow(d));
                default -> d.name();
            };
            case DriverList l -> switch (checked(level)) {
                case INSPECT -> table(l.drivers().stream().map(ResultFormatter::driverRow));
                default -> l.drivers().stream().map(DriverInfo::name).collect(Collectors.joining(", "));
            };
            case DeclarationList l -> switch (checked(level)) {
                case INSPECT -> table(l.declarations().stream().map(ResultFormatter::declarationRow));
                default -> l.declarations().stream().map(d -> orNone(d.node())).collect(Collectors.joining(", "));
            };
            case IoResult r -> checked(level, ioReport(r));
            case MapResult m -> checked(level, m.json() ? mapJson(m.entries()) : mapHuman(m.entries()));
            case DumpResult d -> checked(level, hexDump(d));
            case CreateResult c -> checked(level, formatting(c));
            case CreateOptionsHelp h -> checked(level, createOptionsHelp(h));
            case ExportList l -> switch (checked(level)) {
                case INSPECT -> l.exports().isEmpty() ? "no exports"
                        : table(java.util.stream.Stream.concat(Stream.<String[]>of(new String[] {"NAME", "NODE",
                            "MODE", "CLIENTS", "READ", "WRITTEN"}), l.exports().stream().map(ResultFormatter::exportRow)));
                default -> l.exports().stream().map(ExportInfo::name).collect(Collectors.joining(", "));
            };
            case IothreadList l -> switch (checked(level)) {
                case INSPECT -> String.join("\n", l.ids());
                default -> String.join(", ", l.ids());
            };
            case null, default -> null;
        };
    }

    /** qemu-io's report: {@code read 512/512 bytes at offset 0}, then size, ops, time and rates. */
    static String ioReport(IoResult r) {
        double seconds = Math.max(r.nanos(), 1) / 1e9;
        return String.format(java.util.Locale.ROOT, "%s %d/%d bytes at offset %d%n%s, %d ops; %05.2f sec (%s/sec and"
                        + " %.4f ops/sec)", r.verb(), r.bytes(), r.bytes(), r.offset(), humanSize(r.bytes()), r.ops(),
                seconds, humanSize((long) (r.bytes() / seconds)), r.ops() / seconds);
    }

    /** {@code qemu-img map --output=json}: one object a line, as qemu-img's dump_map_entry prints them. */
    static String mapJson(List<MapEntry> entries) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < entries.size(); i++) {
            MapEntry e = entries.get(i);
            out.append("{ \"start\": ").append(e.start()).append(", \"length\": ").append(e.length())
                    .append(", \"depth\": ").append(e.depth()).append(", \"present\": ").append(e.present())
                    .append(", \"zero\": ").append(e.zero()).append(", \"data\": ").append(e.data());
            if (e.offset() >= 0) {
                out.append(", \"offset\": ").append(e.offset());
            }
            out.append('}').append(i + 1 < entries.size() ? ",\n" : "");
        }
        return out.append(']').toString();
    }

    /** {@code qemu-img map}'s human layout: the extents that hold data, where they lie, in which file. */
    static String mapHuman(List<MapEntry> entries) {
        StringBuilder out = new StringBuilder(String.format("%-16s%-16s%-16s%s", "Offset", "Length", "Mapped to",
                "File"));
        for (MapEntry e : entries) {
            if (e.data() && e.offset() >= 0) {
                out.append('\n').append(String.format("%-16s%-16s%-16s%s", hex(e.start()), hex(e.length()),
                        hex(e.offset()), e.file()));
            }
        }
        return out.toString();
    }

    /** C's {@code %#x}: 0x-prefixed, except for zero. */
    private static String hex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }

    /**
     * qemu-img create's line ({@code printf("Formatting '%s', fmt=%s ")} then {@code qemu_opts_print}): the options
     * the image was created with, a comma in a value doubled as {@code escaped_print} does.
     */
    static String formatting(CreateResult c) {
        StringBuilder out = new StringBuilder("Formatting '").append(c.filename()).append("', fmt=").append(c.format());
        c.options().asMap().forEach((k, v) -> out.append(' ').append(k).append('=').append(v.replace(",", ",,")));
        return out.toString();
    }

    /**
     * {@code print_block_option_help}: the options sorted by name as {@code qemu_opts_print_help} lists them,
     * {@code name=<type>} padded to 24 columns, then the help.
     */
    static String createOptionsHelp(CreateOptionsHelp h) {
        StringBuilder out = new StringBuilder(h.withProtocol() ? "Supported options:"
                : "Supported " + h.format() + " options:");
        h.options().stream().map(o -> {
            String head = "  " + o.name() + "=<" + o.type().word() + ">";
            return head + " ".repeat(Math.max(0, 24 - head.length())) + " - " + o.help();
        }).sorted().forEach(line -> out.append('\n').append(line));
        if (!h.withProtocol()) {
            out.append("\n\nThe protocol level may support further options.\n"
                    + "Specify the target filename to include those options.");
        }
        return out.toString();
    }

    /** qemu-io's cvtstr: bytes below 1 KiB, else KiB/MiB/GiB/TiB with three decimals, a ".000" dropped. */
    static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String number = String.format(java.util.Locale.ROOT, "%.3f", v);
        return (number.endsWith(".000") ? number.substring(0, number.length() - 4) : number) + " " + units[u];
    }

    /** qemu-io's dump_buffer: {@code 00000000:  cd cd ... cd  ................}, 16 bytes a line. */
    static String hexDump(DumpResult d) {
        StringBuilder sb = new StringBuilder();
        byte[] data = d.data();
        for (int i = 0; i < data.length; i += 16) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(String.format("%08x:  ", d.offset() + i));
            int end = Math.min(i + 16, data.length);
            for (int j = i; j < end; j++) {
                sb.append(String.format("%02x ", data[j] & 0xff));
            }
            sb.append(' ');
            for (int j = i; j < end; j++) {
                char c = (char) (data[j] & 0xff);
                sb.append(c >= 0x20 && c < 0x7f ? c : '.');
            }
        }
        return sb.toString();
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
                + "\naio-context: " + n.aioContext()
                + "\ndriver-version: " + orNone(n.driverVersion());
    }

    /** The backing chain below the node, nearest first: {@code backing: mid (qcow2: /a/mid.qcow2) -> base (...)}. */
    private static String chain(List<NodeInfo> chain) {
        if (chain.isEmpty()) {
            return "";
        }
        return "\nbacking: " + chain.stream().map(n -> n.node() + " (" + driver(n) + ": " + orNone(n.filename()) + ")")
                .collect(Collectors.joining(" -> "));
    }

    /** The driver's own lines ({@code ImageInfoSpecific}), indented under "format-specific:". */
    private static String formatSpecific(NodeInfo n) {
        if (n.formatSpecific().isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder("\nformat-specific:");
        n.formatSpecific().forEach((k, v) -> text.append("\n  ").append(k).append(": ").append(v));
        return text.toString();
    }

    /** One "user:" line per user: who, as which child, what it takes and what it shares (QEMU's names). */
    private static String users(List<NodeUser> users) {
        StringBuilder text = new StringBuilder();
        for (NodeUser u : users) {
            text.append("\nuser: ").append(u.user()).append(" as '").append(u.as()).append("': takes ")
                    .append(permissions(u.taken())).append("; shares ").append(permissions(u.shared()));
        }
        return text.toString();
    }

    /** An export: name, node, ro/rw, clients now, bytes read and written since it was added. */
    private static String[] exportRow(ExportInfo e) {
        return new String[] {e.name(), e.node(), e.writable() ? "rw" : "ro", Integer.toString(e.clients()),
            Long.toString(e.bytesRead()), Long.toString(e.bytesWritten())};
    }

    private static String[] backendRow(BackendInfo b) {
        return new String[] {b.name().isEmpty() ? "(unnamed)" : b.name(), b.node(), "takes " + permissions(b.taken()),
            "shares " + permissions(b.shared())};
    }

    /** "consistent read, write" in QEMU's order; "nothing" for none. */
    static String permissions(java.util.Set<Permission> set) {
        String names = Permission.names(Permission.mask(set));
        return names.isEmpty() ? "nothing" : names;
    }

    private static String[] nodeRow(NodeInfo n) {
        return new String[] {n.node(), driver(n), orNone(n.filename()), n.length() < 0 ? NONE : Long.toString(n.length())};
    }

    /**
     * NODE, state, file, and why: "open" (with a reason when it stays open only because a user still holds it),
     * "closed" when block:close closed it, else "waiting".
     */
    private static String[] declarationRow(DeclarationInfo d) {
        if (d.open()) {
            return d.problem() == null ? new String[] {orNone(d.node()), "open", d.source()}
                    : new String[] {orNone(d.node()), "open", d.source(), d.problem()};
        }
        String state = d.problem() != null && d.problem().startsWith("closed by block:close") ? "closed" : "waiting";
        return new String[] {orNone(d.node()), state, d.source(), orNone(d.problem())};
    }

    private static String[] driverRow(DriverInfo d) {
        return new String[] {d.name(), d.kind(), d.bundle(), d.version(), d.nodes() + (d.nodes() == 1 ? " node"
                : " nodes")};
    }

    private static String table(Stream<String[]> rows) {
        Table table = new Table();
        rows.forEach(table::row);
        return table.render();
    }

    private static String driver(NodeInfo n) {
        if (n.driver() != null) {
            return n.driver();
        }
        return n.goneDriver() == null ? NO_MEDIUM : NO_MEDIUM + ": driver " + n.goneDriver() + " gone";
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
