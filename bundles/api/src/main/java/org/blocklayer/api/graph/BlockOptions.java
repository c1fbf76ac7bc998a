package org.blocklayer.api.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * Open options as QEMU's flat {@code QDict} with dotted keys: {@code driver=raw,file.driver=file,file.filename=/x}.
 * A driver takes the keys it knows ({@code qemu_opts_absorb_qdict}); whatever is left after open is an error.
 * Not thread-safe: an options object belongs to the open call that uses it.
 */
public final class BlockOptions {
    private final Map<String, String> entries = new LinkedHashMap<>();

    public BlockOptions() {
    }

    public BlockOptions(Map<String, String> entries) {
        this.entries.putAll(entries);
    }

    /**
     * Parses {@code key=value,key=value}; a doubled comma stands for a comma in a value, as in QEMU's option syntax.
     *
     * @throws BlockException EINVAL for an empty key or a part without '='
     */
    public static BlockOptions parse(String text) throws BlockException {
        BlockOptions options = new BlockOptions();
        if (text == null || text.isEmpty()) {
            return options;
        }
        StringBuilder part = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            boolean end = i == text.length();
            char c = end ? ',' : text.charAt(i);
            if (c == ',' && !end && i + 1 < text.length() && text.charAt(i + 1) == ',') {
                part.append(',');
                i++;
            } else if (c == ',') {
                options.putPart(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        return options;
    }

    private void putPart(String part) throws BlockException {
        int eq = part.indexOf('=');
        if (eq <= 0) {
            throw new BlockException(Errno.EINVAL,
                    "Invalid option '" + part + "': expected key=value (a comma in a value is written ',,')");
        }
        String key = part.substring(0, eq);
        if (entries.containsKey(key)) {
            throw new BlockException(Errno.EINVAL, "Option '" + key + "' given more than once");
        }
        entries.put(key, part.substring(eq + 1));
    }

    public BlockOptions put(String key, String value) {
        entries.put(key, value);
        return this;
    }

    public String get(String key) {
        return entries.get(key);
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /** Removes and returns a string option, or null when absent. */
    public String takeString(String key) {
        return entries.remove(key);
    }

    /** Removes and returns a size or number option, read as {@link #parseSize} reads it. */
    public Long takeSize(String key) throws BlockException {
        String v = entries.remove(key);
        return v == null ? null : parseSize(key, v);
    }

    /** Removes and returns a boolean option: on/off, true/false, yes/no. */
    public Boolean takeBool(String key) throws BlockException {
        String v = entries.remove(key);
        if (v == null) {
            return null;
        }
        return switch (v) {
            case "on", "true", "yes" -> Boolean.TRUE;
            case "off", "false", "no" -> Boolean.FALSE;
            default -> throw new BlockException(Errno.EINVAL,
                    "Parameter '" + key + "' expects 'on' or 'off', got '" + v + "'");
        };
    }

    /**
     * Moves every {@code prefix.*} key into a new options object without the prefix
     * ({@code qdict_extract_subqdict}).
     */
    public BlockOptions extractSub(String prefix) {
        BlockOptions sub = new BlockOptions();
        String dotted = prefix + ".";
        var it = entries.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getKey().startsWith(dotted)) {
                sub.entries.put(e.getKey().substring(dotted.length()), e.getValue());
                it.remove();
            }
        }
        return sub;
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public BlockOptions copy() {
        return new BlockOptions(entries);
    }

    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(entries);
    }

    /**
     * Parses a size or offset as qemu-io and QEMU's options read one ({@code cvtnum} → {@code qemu_strtosz}):
     * decimal or {@code 0x} hexadecimal, an optional suffix B, K, M, G, T, P or E in either case (powers of 1024),
     * a decimal fraction only with a suffix other than B ({@code 1.5K} is 1536), at most 2^63-1.
     *
     * @throws BlockException EINVAL naming what is wrong with {@code text} (no number, a sign, a fraction without
     *                        suffix, an exponent, text after the number); ERANGE when it is too large
     */
    public static long parseSize(String what, String text) throws BlockException {
        return Strtosz.parse(what, text);
    }

    /** {@code key=value,...} with commas in values doubled, so that {@link #parse} reads it back. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        entries.forEach((k, v) -> {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(k).append('=').append(v.replace(",", ",,"));
        });
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockOptions other && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }
}
