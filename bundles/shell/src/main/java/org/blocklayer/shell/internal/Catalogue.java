package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.shell.internal.Usage.Option;

/**
 * Every {@code block:} command's usage in one place: the commands parse their words with these, {@code help} prints
 * them, and the overview lists them in this order.
 */
final class Catalogue {
    private static final String NODE_HELP = "the node name (quote generated names: '#block123')";
    /** --json on the query commands (X8). */
    private static final Option JSON_OPTION = new Option(List.of("--json"), null,
            "print JSON instead (also -o json), with QEMU's field names where they mean the same thing");
    private static final String RANGE = "OFFSET and LENGTH are numbers as qemu-io reads them (see help block:numbers)";

    static final Usage DRIVERS = new Usage("drivers", "[--json]",
            "the deployed block drivers: name, kind (protocol or format), bundle, version, nodes using it",
            List.of(JSON_OPTION));
    static final Usage OPEN = new Usage("open", "[-n NODE] [-r] [--iothread IOTHREAD] FILENAME|OPTIONS",
            "open a node (bdrv_open) and print its name",
            List.of(Option.valued("-n", "--node-name", "NODE", "name the node NODE (default: a generated #blockN)"),
                    Option.flag("-r", "--read-only", "open read-only"),
                    Option.valued(null, "--iothread", "IOTHREAD",
                            "open the node and its children in iothread IOTHREAD's AioContext (main: the main loop)")),
            "FILENAME", "a path or URI: /tmp/a.img, file:/tmp/a.img, nbd://host/export (raw over its protocol)",
            "OPTIONS", "blockdev-add style key=value,...: driver=raw,file.driver=file,file.filename=/tmp/a.img");
    static final Usage NODES = new Usage("nodes", "[--json]", "list the nodes: name, driver, filename, length",
            List.of(JSON_OPTION));
    static final Usage INFO = new Usage("info", "[--json] NODE",
            "show a node: driver, file, length, read-only, AioContext, and its users' permissions",
            List.of(new Option(List.of("--json"), null, "print JSON instead (also -o json): qemu-img info"
                    + " --output=json's fields with query-named-block-nodes' node-name, drv and ro, the backing chain"
                    + " as backing-image")),
            "NODE", NODE_HELP);
    static final Usage BACKENDS = new Usage("backends", "",
            "the BlockBackends: name, node, the permissions each takes and shares (block:info shows every user)");
    static final Usage GRAPH = new Usage("graph", "",
            "the graph in Graphviz dot (nodes with driver and length, edges with child roles and permissions, users"
            + " on top, AioContexts as clusters): block:graph | dot -Tsvg > graph.svg outside the shell");
    static final Usage LENGTH = new Usage("length", "NODE", "print a node's length in bytes (bdrv_getlength)",
            "NODE", NODE_HELP);
    static final Usage CLOSE = new Usage("close", "NODE",
            "close a node (bdrv_unref); EBUSY while another node uses it", "NODE", NODE_HELP);
    static final Usage IOTHREAD = new Usage("iothread", "add ID | del ID | list [--json]",
            "start (add), stop (del) or list iothreads, each an AioContext with a thread of its own",
            List.of(new Option(List.of("--json"), null, "with list: JSON as query-iothreads (also -o json)")),
            "add ID", "start an iothread (-object iothread,id=ID); ID: a letter, then letters, digits, '-', '.', '_'",
            "del ID", "stop an iothread that no node uses any more (EBUSY naming the nodes otherwise)",
            "list", "print the iothreads' ids");
    static final Usage MOVE = new Usage("move", "NODE IOTHREAD|main",
            "move a node and the nodes joined to it to an iothread or the main loop (x-blockdev-set-iothread)",
            "NODE", NODE_HELP, "IOTHREAD|main", "an iothread id (block:iothread list), or main for the main loop");
    static final Usage READ = new Usage("read", "[-P PATTERN] NODE OFFSET LENGTH",
            "read LENGTH bytes at OFFSET (qemu-io read); with -P, check every byte",
            List.of(Option.valued("-P", "--pattern", "PATTERN",
                    "fail with EINVAL unless every byte read equals PATTERN (0-255 or 0x00-0xff)")),
            "NODE", NODE_HELP, "OFFSET LENGTH", RANGE);
    static final Usage WRITE = new Usage("write", "[-P PATTERN | -z [-u]] NODE OFFSET LENGTH",
            "write LENGTH bytes at OFFSET (qemu-io write): the byte PATTERN, default 0xcd, or zeroes",
            List.of(Option.valued("-P", "--pattern", "PATTERN", "the byte to write (0-255 or 0x00-0xff)"),
                    Option.flag("-z", "--zero", "write zeroes as one write-zeroes request (no buffer where the"
                            + " driver can)"),
                    Option.flag("-u", "--unmap", "with -z: the zeroes may be written by deallocating (MAY_UNMAP)")),
            "NODE", NODE_HELP, "OFFSET LENGTH", RANGE);
    static final Usage DISCARD = new Usage("discard", "NODE OFFSET LENGTH",
            "discard LENGTH bytes at OFFSET (qemu-io discard): advice, acted on with discard=unmap",
            "NODE", NODE_HELP, "OFFSET LENGTH", RANGE);
    static final Usage MAP = new Usage("map", "[--output human|json] NODE",
            "the node's allocation map (qemu-img map): data, zeroes and where they lie",
            List.of(Option.valued(null, "--output", "FORMAT", "human (default: data extents only) or json (every"
                    + " extent, as qemu-img map --output=json)")),
            "NODE", NODE_HELP);
    static final Usage CREATE = new Usage("create", "[-o OPTIONS] FORMAT FILENAME SIZE",
            "create an image file (qemu-img create); an existing file is emptied and made again",
            List.of(Option.valued("-o", "--options", "OPTIONS", "creation options key=value,...: for raw over a"
                    + " file, preallocation=off|falloc|full; -o help lists them")),
            "FORMAT", "the image format, raw (or a protocol as its own format: file)",
            "FILENAME", "the file to create: /tmp/a.img, file:/tmp/a.img",
            "SIZE", "its size in bytes, a number as qemu-img reads it (see help block:numbers); the file driver"
                    + " rounds it up to 512");
    static final Usage FLUSH = new Usage("flush", "NODE", "flush a node's data to stable storage (bdrv_flush)",
            "NODE", NODE_HELP);
    static final Usage RESIZE = new Usage("resize", "NODE SIZE",
            "resize a node to SIZE bytes (block_resize) and print its new length",
            "NODE", NODE_HELP, "SIZE", "a number as qemu-io reads it (see help block:numbers)");
    static final Usage REFRESH = new Usage("refresh", "NODE",
            "ask the drivers for the length again and print it (block:length keeps the cached value)",
            "NODE", NODE_HELP);
    static final Usage DUMP = new Usage("dump", "NODE OFFSET LENGTH",
            "print LENGTH bytes at OFFSET as a hex dump (qemu-io read -v); at most 1M",
            "NODE", NODE_HELP, "OFFSET LENGTH", RANGE);
    static final Usage SG_CAPACITY = new Usage("sg-capacity", "NODE",
            "ask the driver for the length directly: READ CAPACITY over SG_IO for scsi-generic nodes",
            "NODE", NODE_HELP);
    static final Usage DETACH_TIMEOUT = new Usage("detach-timeout", "[SECONDS]",
            "show or set how long I/O waits for a driver that went away to come back (then ENOMEDIUM)",
            "SECONDS", "the new timeout in seconds, decimals allowed, 0: fail at once; none: show it");
    static final Usage DECLARED = new Usage("declared", "[--json]",
            "the nodes declared in Config Admin (org.blocklayer.node~NAME.cfg): open or not, and why",
            List.of(JSON_OPTION));
    static final Usage NBD_SERVER = new Usage("nbd-server", "start [ADDRESS] [--max-connections N] | stop",
            "start or stop the NBD server (qemu-storage-daemon --nbd-server, nbd-server-start/stop)",
            List.of(Option.valued(null, "--max-connections", "N", "with start: at most N clients at once, 0 for no"
                    + " limit (default 100); 1 also stops exports from advertising multi-conn")),
            "start [ADDRESS]", "listen on unix:PATH or inet:HOST:PORT (default " + "inet:127.0.0.1:10809; port 0:"
                    + " a free one) and print where",
            "stop", "stop listening, delete every export at once and disconnect every client");
    static final Usage EXPORT = new Usage("export", "add NODE [--name NAME] [--writable] [--description TEXT]"
            + " [--multi-conn on|off|auto] | del NAME [--force]",
            "export a node over NBD, or stop exporting it (block-export-add, block-export-del)",
            List.of(Option.valued(null, "--name", "NAME", "with add: the name clients ask for (default: NODE)"),
                    new Option(List.of("--writable"), null, "with add: clients may write (default: read-only)"),
                    Option.valued(null, "--description", "TEXT", "with add: what NBD_OPT_LIST shows beside the name"),
                    Option.valued(null, "--multi-conn", "on|off|auto", "with add: advertise that clients may use"
                            + " several connections; auto (default): for read-only exports"),
                    new Option(List.of("--force"), null, "with del: disconnect clients at once instead of"
                            + " answering what they have in flight first")),
            "add NODE", "export NODE (NODE is busy while exported: block:close fails EBUSY naming the export)",
            "del NAME", "remove the export; its clients are disconnected once their requests are answered");
    static final Usage EXPORTS = new Usage("exports", "[--json]",
            "the exports: name, node, read-only or writable, clients, bytes read and written",
            List.of(JSON_OPTION));
    static final Usage HELP = new Usage("help", "[COMMAND]",
            "this overview, or one command's help (help open, help block:open, help lb)",
            "COMMAND", "a block command, or any other Gogo command (its help comes from Gogo)");

    /** In the order the overview lists them. */
    static final List<Usage> ALL = List.of(OPEN, NODES, INFO, LENGTH, CLOSE, DRIVERS, READ, WRITE, DUMP, FLUSH,
            DISCARD, MAP, CREATE, RESIZE, REFRESH, SG_CAPACITY, IOTHREAD, MOVE, BACKENDS, GRAPH, NBD_SERVER, EXPORT,
            EXPORTS, DETACH_TIMEOUT, DECLARED, HELP);

    /** Commands the overview shows on one line, so that it stays one screen. */
    record Line(List<Usage> commands, String summary) {
    }

    static final List<Line> OVERVIEW_LINES = List.of(
            new Line(List.of(IOTHREAD, MOVE), "iothreads (add, del, list), and moving nodes between AioContexts"),
            new Line(List.of(NBD_SERVER, EXPORT, EXPORTS), "serve nodes over NBD: the server, exports, their list"),
            new Line(List.of(BACKENDS, GRAPH), "the BlockBackends, and the whole graph in Graphviz dot"));

    private Catalogue() {
    }

    /** The usage of {@code name} ({@code open} or {@code block:open}), or null. */
    static Usage find(String name) {
        String bare = name.startsWith("block:") ? name.substring("block:".length()) : name;
        return ALL.stream().filter(u -> u.command().equals(bare)).findFirst().orElse(null);
    }
}
