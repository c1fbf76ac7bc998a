package org.blocklayer.launcher;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Compares blocklayer's QMP transcript with qemu-storage-daemon's (both written by session.py): the same steps, the
 * same keys with the same JSON types, and the same values, everywhere but where README.md's "Differences from
 * qemu-storage-daemon" says why not. Those known differences are listed here with their reasons; anything else is a
 * difference the test reports.
 */
final class QmpTranscripts {
    /** Keys of QEMU's {@code ImageInfo} that blocklayer leaves out, with why. */
    static final Map<String, String> OMITTED_IMAGE_KEYS = Map.of(
            "actual-size", "the bytes allocated on disk (st_blocks): the block layer API has no call for them",
            "dirty-flag", "no driver reports a dirty flag (bdrv_get_info's is_dirty; only qcow2 has one, and the"
                    + " qcow2 driver does not report it)");
    /** Commands blocklayer has that qemu-storage-daemon has not (QEMU's system emulator has them). */
    static final Set<String> EXTRA_COMMANDS = Set.of("query-iothreads");
    static final String BACKING_READ_WRITE = "blocklayer opens a backing file read-write where QEMU opens it"
            + " read-only, so its node says ro=false and its file edge takes write and resize";

    private QmpTranscripts() {
    }

    /** The differences that are not known ones: empty when the transcripts agree. */
    static List<String> unexplained(List<JsonNode> qemu, List<JsonNode> blocklayer, List<String> explained) {
        List<String> out = new ArrayList<>();
        if (qemu.size() != blocklayer.size()) {
            out.add("qemu-storage-daemon's transcript has " + qemu.size() + " lines, blocklayer's "
                    + blocklayer.size());
        }
        for (int i = 0; i < Math.min(qemu.size(), blocklayer.size()); i++) {
            JsonNode q = qemu.get(i);
            JsonNode b = blocklayer.get(i);
            String where = "step " + q.path("step").asInt() + " " + q.path("execute").asText(q.path("event").asText());
            if (q.path("execute").asText().equals("query-commands")) {
                commands(q, b, where, out);
                continue;
            }
            List<String> diffs = new ArrayList<>();
            compare(q, b, where, diffs);
            for (String d : diffs) {
                String reason = known(q, d);
                if (reason == null) {
                    out.add(d);
                } else {
                    explained.add(d + " [known: " + reason + "]");
                }
            }
        }
        return out;
    }

    private static void commands(JsonNode q, JsonNode b, String where, List<String> out) {
        Set<String> qemu = new java.util.HashSet<>();
        q.path("reply").path("return").forEach(n -> qemu.add(n.asText()));
        for (JsonNode n : b.path("reply").path("return")) {
            if (!qemu.contains(n.asText()) && !EXTRA_COMMANDS.contains(n.asText())) {
                out.add(where + ": blocklayer has command " + n.asText() + ", which QEMU has not");
            }
        }
    }

    /** Why a difference is expected, or null. */
    private static String known(JsonNode step, String diff) {
        String execute = step.path("execute").asText();
        for (Map.Entry<String, String> omitted : OMITTED_IMAGE_KEYS.entrySet()) {
            if (execute.equals("query-named-block-nodes") && diff.matches(".*\\.image(\\.backing-image)*\\."
                    + omitted.getKey() + ": only qemu-storage-daemon has it")) {
                return omitted.getValue();
            }
        }
        if (execute.equals("query-named-block-nodes") && diff.matches(".*\\[(\\d+)\\]\\.ro: .*")) {
            int index = Integer.parseInt(diff.replaceAll(".*\\[(\\d+)\\]\\.ro: .*", "$1"));
            if (step.path("reply").path("return").path(index).path("file").asText().endsWith("/base.qcow2")) {
                return BACKING_READ_WRITE;
            }
        }
        if (execute.equals("x-debug-query-block-graph") && diff.matches(".*edges\\[(\\d+)\\]\\[3\\].*")) {
            int index = Integer.parseInt(diff.replaceAll(".*edges\\[(\\d+)\\]\\[3\\].*", "$1"));
            JsonNode edge = step.path("reply").path("return").path("edges").path(index);
            // The backing node's file edge: both ends have generated names, the backing node is the only parent
            // of a "file" edge with one.
            if (edge.path(0).asText().equals("#auto") && edge.path(2).asText().equals("file")) {
                return BACKING_READ_WRITE;
            }
        }
        return null;
    }

    /** Every difference of keys, types and values between {@code q} (QEMU's) and {@code b}. */
    static void compare(JsonNode q, JsonNode b, String path, List<String> out) {
        if (q.getNodeType() != b.getNodeType()) {
            out.add(path + ": qemu-storage-daemon has a " + q.getNodeType() + " (" + q + "), blocklayer a "
                    + b.getNodeType() + " (" + b + ")");
            return;
        }
        if (q.isObject()) {
            Map<String, JsonNode> theirs = fields(b);
            for (Iterator<Map.Entry<String, JsonNode>> it = q.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode mine = theirs.remove(e.getKey());
                if (mine == null) {
                    out.add(path + "." + e.getKey() + ": only qemu-storage-daemon has it");
                } else {
                    compare(e.getValue(), mine, path + "." + e.getKey(), out);
                }
            }
            theirs.keySet().forEach(k -> out.add(path + "." + k + ": only blocklayer has it"));
        } else if (q.isArray()) {
            if (q.size() != b.size()) {
                out.add(path + ": qemu-storage-daemon has " + q.size() + " elements " + q + ", blocklayer "
                        + b.size() + " " + b);
            }
            for (int i = 0; i < Math.min(q.size(), b.size()); i++) {
                compare(q.get(i), b.get(i), path + "[" + i + "]", out);
            }
        } else if (!q.equals(b)) {
            out.add(path + ": qemu-storage-daemon says " + q + ", blocklayer " + b);
        }
    }

    private static Map<String, JsonNode> fields(JsonNode object) {
        Map<String, JsonNode> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue()));
        return map;
    }
}
