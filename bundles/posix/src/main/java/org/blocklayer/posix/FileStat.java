package org.blocklayer.posix;

/**
 * What stat(2) says about a file, as far as the block layer asks.
 *
 * @param type      the file type ({@code S_IFMT} of {@code st_mode})
 * @param mode      {@code st_mode}: type and permission bits
 * @param size      {@code st_size}: bytes for a regular file; 0 for a block device (its size comes from lseek)
 * @param rdevMajor major number of the device a device file stands for ({@code major(st_rdev)}), else 0
 * @param rdevMinor minor number of that device ({@code minor(st_rdev)}), else 0
 */
public record FileStat(FileType type, int mode, long size, int rdevMajor, int rdevMinor) {

    public boolean isBlockDevice() {
        return type == FileType.BLOCK_DEVICE;
    }

    public boolean isCharDevice() {
        return type == FileType.CHAR_DEVICE;
    }

    public boolean isRegularFile() {
        return type == FileType.REGULAR;
    }

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }
}
