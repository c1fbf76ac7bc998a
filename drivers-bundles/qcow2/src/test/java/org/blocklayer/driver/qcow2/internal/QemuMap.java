package org.blocklayer.driver.qcow2.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.backend.MapEntry;

/** {@code qemu-img map --output=json}, read into the fields {@code block:map} shows (the file name left out). */
final class QemuMap {
    private static final Pattern ENTRY = Pattern.compile("\\{ \"start\": (\\d+), \"length\": (\\d+), \"depth\": (\\d+),"
            + " \"present\": (true|false), \"zero\": (true|false), \"data\": (true|false)(?:, \"offset\": (\\d+))?");

    private QemuMap() {
    }

    static List<String> of(Path image) throws Exception {
        String out = Qcow2Fixture.run("qemu-img", "map", "-U", "--output=json", image.toString()).ok().out();
        List<String> list = new ArrayList<>();
        Matcher m = ENTRY.matcher(out);
        while (m.find()) {
            list.add(line(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)),
                    m.group(4).equals("true"), m.group(5).equals("true"), m.group(6).equals("true"),
                    m.group(7) == null ? -1 : Long.parseLong(m.group(7))));
        }
        if (list.isEmpty()) {
            throw new AssertionError("no map in: " + out);
        }
        return list;
    }

    static List<String> of(List<MapEntry> entries) {
        return entries.stream().map(e -> line(e.start(), e.length(), e.depth(), e.present(), e.zero(), e.data(),
                e.offset())).toList();
    }

    private static String line(long start, long length, int depth, boolean present, boolean zero, boolean data,
                               long offset) {
        return "start=" + start + " length=" + length + " depth=" + depth + " present=" + present + " zero=" + zero
                + " data=" + data + (offset >= 0 ? " offset=" + offset : "");
    }
}
