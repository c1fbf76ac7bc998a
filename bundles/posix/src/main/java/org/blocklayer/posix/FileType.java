package org.blocklayer.posix;

/** The file type bits of {@code st_mode} ({@code S_IFMT}). */
public enum FileType {
    REGULAR("a regular file"),
    DIRECTORY("a directory"),
    BLOCK_DEVICE("a block device"),
    CHAR_DEVICE("a character device"),
    FIFO("a FIFO"),
    SOCKET("a socket"),
    SYMLINK("a symbolic link"),
    UNKNOWN("of an unknown file type");

    private final String description;

    FileType(String description) {
        this.description = description;
    }

    /** For messages: "'x' is " + description(). */
    public String description() {
        return description;
    }

    /** The type of a {@code st_mode} value. */
    public static FileType ofMode(int mode) {
        return switch (mode & 0170000) {
            case 0100000 -> REGULAR;
            case 0040000 -> DIRECTORY;
            case 0060000 -> BLOCK_DEVICE;
            case 0020000 -> CHAR_DEVICE;
            case 0010000 -> FIFO;
            case 0140000 -> SOCKET;
            case 0120000 -> SYMLINK;
            default -> UNKNOWN;
        };
    }
}
