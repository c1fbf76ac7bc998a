package org.blocklayer.api.graph;

import java.util.Objects;

/**
 * One option of image creation ({@code QemuOptDesc} in a driver's {@code create_opts}): what
 * {@code qemu-img create -o help} lists, and what {@code -o} may set.
 *
 * @param name its key ({@code preallocation})
 * @param type what its value is
 * @param help one line for the user
 */
public record CreateOption(String name, Type type, String help) {

    /** {@code BLOCK_OPT_SIZE}: the size of the new image in bytes, which every creating driver accepts. */
    public static final String SIZE = "size";

    /** {@code QemuOptType}, with the words {@code qemu-img create -o help} prints for each. */
    public enum Type {
        STRING("str"), BOOL("bool (on/off)"), NUMBER("num"), SIZE("size");

        private final String word;

        Type(String word) {
            this.word = word;
        }

        /** {@code opt_type_to_string}. */
        public String word() {
            return word;
        }
    }

    public CreateOption {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(help, "help");
    }
}
