package org.blocklayer.core.internal.graph;

import org.blocklayer.api.driver.BlockDriver;

/**
 * A node's medium: the driver serving it ({@code bs->drv}), or, once that driver left (X1), its name until a driver
 * of that name reopens the node (X2). Written in the main loop; read anywhere.
 *
 * <p>The driver and the gone driver's name are one value, read at once: a reattach sets the driver and clears the
 * name without the write lock (as {@code bdrv_open_driver} runs without it), so a request that saw no driver and then
 * read the name apart from it could find neither and fail without naming the driver that left.
 */
final class NodeMedium {
    /** What a reader sees in one read: the driver, or null and the name of the one that left (or null). */
    record State(BlockDriver driver, String goneDriver) {
    }

    private volatile State state = new State(null, null);
    private volatile boolean reattaching;

    /** Both halves read together. */
    State state() {
        return state;
    }

    /** The driver, or null: no medium. */
    BlockDriver driver() {
        return state.driver();
    }

    void setDriver(BlockDriver driver) {
        state = new State(driver, state.goneDriver());
    }

    /** The name of the driver that left the node, until one of that name takes it back; else null. */
    String goneDriver() {
        return state.goneDriver();
    }

    void setGoneDriver(String name) {
        state = new State(state.driver(), name);
    }

    /** True while a returning driver reopens the node: openChild then reuses the children it has. */
    boolean isReattaching() {
        return reattaching;
    }

    void setReattaching(boolean reattaching) {
        this.reattaching = reattaching;
    }
}
