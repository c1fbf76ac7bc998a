package org.blocklayer.api.driver;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_co_getlength}): the length of the node as the driver sees it. A driver without
 * it has no getlength, as QEMU's NULL callback: its node's length is the {@code total_sectors} its open set (B3,
 * B10), and {@link BlockDriver#hasVariableLength()} asks nobody.
 */
@ConsumerType
public interface GetLength {

    /** The length in bytes (any value: core rounds it up to whole sectors; a negative one is an errno, B4). */
    @CoroutineFn
    @GraphRdlock
    long coGetLength(DriverNode bs) throws BlockException;
}
