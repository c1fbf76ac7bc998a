package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.backend.BackendInfo;

/** What {@code block:backends} shows. */
record BackendList(List<BackendInfo> backends) {
}
