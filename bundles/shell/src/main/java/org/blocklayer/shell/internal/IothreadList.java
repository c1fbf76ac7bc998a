package org.blocklayer.shell.internal;

import java.util.List;

/** What {@code block:iothread list} returns: the iothread ids, in creation order. */
public record IothreadList(List<String> ids) {
    public IothreadList {
        ids = List.copyOf(ids);
    }
}
