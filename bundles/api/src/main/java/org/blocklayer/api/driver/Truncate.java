package org.blocklayer.api.driver;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_co_truncate}): makes the node {@code offset} bytes long. A driver without it
 * refuses resizing with ENOTSUP ("Image format driver '...' does not support resize"), as QEMU does for a NULL
 * callback; core refreshes the length after a resize either way (B14).
 */
@ConsumerType
public interface Truncate {

    @CoroutineFn
    @GraphRdlock
    void coTruncate(DriverNode bs, long offset) throws BlockException;
}
