package org.blocklayer.core.internal.graph;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * Node names as {@code bdrv_assign_node_name} gives them (B20): a user name must be well formed
 * ({@code id_wellformed}: a letter, then letters, digits, '-', '.', '_'), unique and shorter than 32 characters;
 * without one, a {@code #blockNNN} name is generated ({@code id_generate}), which no user name can collide with.
 */
final class NodeNames {
    /** {@code sizeof(bs->node_name)}: names must be shorter. */
    static final int MAX_LENGTH = 32;

    private final AtomicLong counter = new AtomicLong();

    /**
     * A valid, unused name: {@code requested} when given, else (null: no {@code node-name} key) a generated one. An
     * empty name is given, not absent: QEMU refuses {@code node-name=} with "Invalid node-name: ''".
     */
    String assign(String requested, Predicate<String> taken) throws BlockException {
        if (requested == null) {
            String generated;
            do {
                generated = String.format("#block%d%02d", counter.incrementAndGet(),
                        ThreadLocalRandom.current().nextInt(100));
            } while (taken.test(generated));
            return generated;
        }
        if (!wellFormed(requested)) {
            throw new BlockException(Errno.EINVAL, "Invalid node-name: '" + requested + "'");
        }
        if (taken.test(requested)) {
            throw new BlockException(Errno.EINVAL, "Duplicate nodes with node-name='" + requested + "'");
        }
        if (requested.length() >= MAX_LENGTH) {
            throw new BlockException(Errno.EINVAL, "Node name too long");
        }
        return requested;
    }

    /** {@code id_wellformed}. */
    static boolean wellFormed(String id) {
        if (id.isEmpty() || !isAsciiLetter(id.charAt(0))) {
            return false;
        }
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
