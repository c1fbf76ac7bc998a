package org.blocklayer.core.internal.graph;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/** An Event Admin that keeps what is posted; core must never send (synchronously) from the main loop. */
final class RecordingEventAdmin implements EventAdmin {
    final List<Event> posted = new CopyOnWriteArrayList<>();

    @Override
    public void postEvent(Event event) {
        posted.add(event);
    }

    @Override
    public void sendEvent(Event event) {
        throw new AssertionError("core sent " + event.getTopic() + " synchronously; it must post");
    }

    /** The posted events as "TOPIC-SUFFIX node", in order, e.g. "OPENED disk". */
    List<String> summary() {
        return posted.stream().map(e -> e.getTopic().substring(NodeEvents.TOPIC_PREFIX.length()) + " "
                + e.getProperty("node")).toList();
    }

    void clear() {
        posted.clear();
    }
}
