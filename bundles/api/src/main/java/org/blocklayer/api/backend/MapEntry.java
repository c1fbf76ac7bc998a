package org.blocklayer.api.backend;

/**
 * One extent of a node's map, as {@code qemu-img map --output=json} prints it.
 *
 * @param start   where it starts in the node
 * @param length  how long it is
 * @param depth   how many backing files down it was found (0: in the node itself)
 * @param present whether any node of the chain holds it (false: unallocated, reads as zeroes)
 * @param zero    it reads as zeroes
 * @param data    it holds data
 * @param offset  where it lies in the file that holds it, or -1 where that is unknown (no "offset" in the JSON)
 * @param file    the filename of the node that holds it, where the offset is known; else null
 */
public record MapEntry(long start, long length, int depth, boolean present, boolean zero, boolean data, long offset,
        String file) {

    /** {@code qemu-img map}'s merge: {@code next} continues this extent with the same kind and mapping. */
    public boolean continuedBy(MapEntry next) {
        return start + length == next.start && depth == next.depth && present == next.present && zero == next.zero
                && data == next.data && (offset < 0) == (next.offset < 0)
                && (offset < 0 || offset + length == next.offset) && java.util.Objects.equals(file, next.file);
    }

    /** This extent and {@code next} as one. */
    public MapEntry merge(MapEntry next) {
        return new MapEntry(start, length + next.length, depth, present, zero, data, offset, file);
    }
}
