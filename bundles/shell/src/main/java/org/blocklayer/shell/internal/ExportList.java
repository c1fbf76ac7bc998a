package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.export.ExportInfo;

/** What {@code block:exports} returns: every export, in the order they were added. */
record ExportList(List<ExportInfo> exports) {
}
