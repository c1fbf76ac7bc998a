package org.blocklayer.core.internal.graph;

import org.blocklayer.api.driver.BlockDriver;

/**
 * A node's medium: the driver serving it ({@code bs->drv}), or, once that driver left (X1), its name until a driver
 * of that name reopens the node (X2). Written in the main loop; read anywhere.
 */
final class NodeMedium {
    private volatile BlockDriver driver;
    private volatile String goneDriver;
    private volatile boolean reattaching;

    /** The driver, or null: no medium. */
    BlockDriver driver() {
        return driver;
    }

    void setDriver(BlockDriver driver) {
        this.driver = driver;
    }

    /** The name of the driver that left the node, until one of that name takes it back; else null. */
    String goneDriver() {
        return goneDriver;
    }

    void setGoneDriver(String name) {
        this.goneDriver = name;
    }

    /** True while a returning driver reopens the node: openChild then reuses the children it has. */
    boolean isReattaching() {
        return reattaching;
    }

    void setReattaching(boolean reattaching) {
        this.reattaching = reattaching;
    }
}
