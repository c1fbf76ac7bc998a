package org.blocklayer.core.internal.graph;

import org.blocklayer.api.driver.BlockDriver;

/**
 * A node's medium: the driver serving it ({@code bs->drv}), or, once that driver left (X1), its name until a driver
 * of that name reopens the node (X2). Written in the main loop; read anywhere.
 *
 * <p>The driver and the gone driver's name are one value, read at once: a reattach sets the driver and clears the
 * name without the write lock (as {@code bdrv_open_driver} runs without it), so a request that saw no driver and then
 * read the name apart from it could find neither and fail without naming the driver that left. The same read says
 * whether the driver is still opening the node again, which a request must not reach (X2).
 */
final class NodeMedium {
    /**
     * What a reader sees in one read: the driver, or null and the name of the one that left (or null); and whether a
     * driver of that name is reopening the node (then {@code driver} is set but not open yet).
     */
    record State(BlockDriver driver, String goneDriver, boolean reattaching) {
    }

    private volatile State state = new State(null, null, false);

    /** Both halves read together. */
    State state() {
        return state;
    }

    /** The driver, or null: no medium. */
    BlockDriver driver() {
        return state.driver();
    }

    void setDriver(BlockDriver driver) {
        state = new State(driver, state.goneDriver(), state.reattaching());
    }

    /** The name of the driver that left the node, until one of that name takes it back; else null. */
    String goneDriver() {
        return state.goneDriver();
    }

    void setGoneDriver(String name) {
        state = new State(state.driver(), name, state.reattaching());
    }

    /** True while a returning driver reopens the node: openChild then reuses the children it has. */
    boolean isReattaching() {
        return state.reattaching();
    }

    void setReattaching(boolean reattaching) {
        state = new State(state.driver(), state.goneDriver(), reattaching);
    }
}
