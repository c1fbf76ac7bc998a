package org.blocklayer.core.internal.graph;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/**
 * The graph's node life-cycle as OSGi Event Admin events, what QEMU tells a QMP client with its asynchronous
 * events ({@code qapi_event_send_*}): posted, never sent, so a slow handler never holds up the main loop.
 *
 * <p>A node is announced (OPENED) once the open that created it has succeeded, and only an announced node is
 * reported CLOSED: a node built and torn down inside a failed open was never visible, so it makes no event.
 */
final class NodeEvents {
    static final String TOPIC_PREFIX = "org/blocklayer/node/";
    static final String OPENED = TOPIC_PREFIX + "OPENED";
    static final String CLOSED = TOPIC_PREFIX + "CLOSED";
    static final String DETACHED = TOPIC_PREFIX + "DETACHED";
    static final String REATTACHED = TOPIC_PREFIX + "REATTACHED";

    private volatile EventAdmin eventAdmin;
    /** Nodes announced and not yet closed; touched only in the main loop. */
    private final Set<BlockDriverState> announced = Collections.newSetFromMap(new IdentityHashMap<>());

    void use(EventAdmin admin) {
        eventAdmin = admin;
    }

    /** Drops {@code admin} unless a replacement has been bound already (DS binds it before this unbind). */
    void forget(EventAdmin admin) {
        if (eventAdmin == admin) {
            eventAdmin = null;
        }
    }

    @GlobalStateCode
    void opened(BlockDriverState bs, String driver, String version) {
        announced.add(bs);
        post(OPENED, bs, driver, version, null);
    }

    /** Reports {@code bs} closed if it was announced; true when it was (and so the graph visibly changed). */
    @GlobalStateCode
    boolean closed(BlockDriverState bs, String driver, String version) {
        if (announced.remove(bs)) {
            post(CLOSED, bs, driver, version, null);
            return true;
        }
        return false;
    }

    @GlobalStateCode
    void detached(BlockDriverState bs, String driver, String version, String reason) {
        post(DETACHED, bs, driver, version, reason);
    }

    @GlobalStateCode
    void reattached(BlockDriverState bs, String driver, String version) {
        post(REATTACHED, bs, driver, version, null);
    }

    private void post(String topic, BlockDriverState bs, String driver, String version, String reason) {
        EventAdmin admin = eventAdmin;
        if (admin == null) {
            return;
        }
        Map<String, Object> properties = new HashMap<>();
        properties.put("node", bs.nodeName());
        if (driver != null) {
            properties.put("driver", driver);
        }
        if (version != null) {
            properties.put("driver.version", version);
        }
        properties.put("aio-context", bs.aioContext().name());
        if (reason != null) {
            properties.put("reason", reason);
        }
        admin.postEvent(new Event(topic, properties));
    }
}
