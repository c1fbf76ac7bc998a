package org.blocklayer.shell.internal;

import java.util.ArrayList;
import java.util.List;

/** Rows of text cells, printed with each column as wide as its widest cell and two spaces between columns. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table row(String... cells) {
        rows.add(cells.clone());
        return this;
    }

    /** One line per row, no trailing newline; the last cell of a row is never padded. */
    String render() {
        int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            for (int c = 0; c < row.length; c++) {
                sb.append(row[c]);
                if (c < row.length - 1) {
                    sb.repeat(' ', width[c] - row[c].length() + 2);
                }
            }
        }
        return sb.toString();
    }

    /** A single row without padding, for Gogo's LINE level. */
    static String line(String... cells) {
        return String.join("  ", cells);
    }
}
