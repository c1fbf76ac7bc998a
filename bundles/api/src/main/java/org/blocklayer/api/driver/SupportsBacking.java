package org.blocklayer.api.driver;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A format driver capability ({@code supports_backing}): the format can have a backing file ({@code backing}
 * child, role COW). Its block status may answer neither data nor zero for a range it does not allocate; the core
 * then reports zeroes there when the node has no backing file, or when the range lies past the backing file's end,
 * and otherwise leaves the answer to the backing chain ({@code bdrv_co_block_status}, B56).
 *
 * @since 2.0
 */
@ConsumerType
public interface SupportsBacking {
}
