package io.backupkit.dialect.sqlite;

import io.backupkit.spi.RowCursor;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * Reads a rowid table's rows straight from its b-tree pages, in rowid order, and renders each row
 * as the same literals that SQLite's {@code quote()} path ({@link SqliteRowCursor}) gives, byte for
 * byte ({@link SqliteRecordLiterals}).
 *
 * <p>This is the backup's hot path: SQLite evaluating {@code quote()} for every value costs about
 * three times as much CPU as walking the pages in Java, and the pages come one JNI-free read per
 * page instead of one JNI call per row. The pages are those of the snapshot's read transaction
 * ({@link SqlitePageSource}); rows that the pages alone cannot give, records written before an
 * {@code ALTER TABLE ... ADD COLUMN ... DEFAULT}, are fetched through SQL by rowid inside the same
 * transaction ({@link ShortRecordReader}).
 *
 * <p>Anything that does not look like a table b-tree (wrong page type, a cell outside its page, a
 * loop in the tree) ends the scan with an {@link SQLException} naming the table and the page.
 */
final class SqliteTableScan implements RowCursor {

    /** Reads the row with a given rowid through SQL. */
    @FunctionalInterface
    interface ShortRecordReader {
        byte[] literals(long rowid) throws SQLException;
    }

    private static final int MAX_DEPTH = 40;

    private final String table;
    private final SqlitePageSource pages;
    private final SqliteTableLayout layout;
    private final ShortRecordReader shortRecords;
    private final int usable;
    private final int columnCount;
    private final long expectedRows;

    // The path from the root to the current leaf.
    private final byte[][] pageAt = new byte[MAX_DEPTH][];
    private final int[] pageNumberAt = new int[MAX_DEPTH];
    private final int[] cellAt = new int[MAX_DEPTH];
    private final int[] cellCountAt = new int[MAX_DEPTH];
    private final int[] headerAt = new int[MAX_DEPTH];
    private int depth = -1;
    private long visited;
    private boolean started;
    private boolean finished;

    private byte[] overflow = new byte[0];
    private byte[] overflowPage;
    private final SqliteRecordLiterals renderer;
    private byte[] row;
    private long rowid;
    private long rows;

    /**
     * @param expectedRows the table's {@code count(*)} in the same transaction, checked at the end of
     *     the scan, or -1 if it was not counted
     */
    SqliteTableScan(String table, SqlitePageSource pages, SqliteTableLayout layout, ShortRecordReader shortRecords,
                    SqliteLiterals.SqliteQuote sqliteQuote, long expectedRows) {
        this.table = table;
        this.expectedRows = expectedRows;
        this.pages = pages;
        this.layout = layout;
        this.shortRecords = shortRecords;
        this.usable = pages.usableSize();
        this.columnCount = layout.fields().length;
        this.renderer = new SqliteRecordLiterals(layout, sqliteQuote);
    }

    /** Rows returned so far. */
    long rows() {
        return rows;
    }

    /** The current row's rowid. */
    long rowid() {
        return rowid;
    }

    @Override
    public boolean next() throws SQLException {
        if (finished) {
            return false;
        }
        try {
            if (!started) {
                started = true;
                push(layout.rootPage());
            } else {
                cellAt[depth]++;
            }
            while (true) {
                byte[] page = pageAt[depth];
                int header = headerAt[depth];
                int type = page[header] & 0xFF;
                if (type == 0x0D) {
                    if (cellAt[depth] < cellCountAt[depth]) {
                        readCell(page, header, cellAt[depth]);
                        rows++;
                        return true;
                    }
                } else {
                    // Interior page: cells 0..n-1 hold left children, then the right-most pointer.
                    int cell = cellAt[depth];
                    if (cell <= cellCountAt[depth]) {
                        int child = cell < cellCountAt[depth]
                                ? readInt(page, cellOffset(page, header, cell, 12))
                                : readInt(page, header + 8);
                        cellAt[depth]++;
                        push(child);
                        continue;
                    }
                }
                // This page is done: back to its parent.
                depth--;
                if (depth < 0) {
                    finished = true;
                    if (expectedRows >= 0 && rows != expectedRows) {
                        throw new SQLException("table " + table + ": its pages hold " + rows
                                + " rows but SQLite counts " + expectedRows + " in the same snapshot");
                    }
                    return false;
                }
            }
        } catch (IOException e) {
            throw new SQLException("table " + table + ": reading its pages failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // A bound that no check above caught: still a malformed page, not a crash.
            throw corrupt(depth >= 0 ? pageNumberAt[depth] : layout.rootPage(), e.toString());
        }
    }

    private void push(int pageNumber) throws IOException, SQLException {
        if (depth + 1 >= MAX_DEPTH) {
            throw corrupt(pageNumber, "the b-tree is deeper than " + MAX_DEPTH + " levels");
        }
        for (int d = 0; d <= depth; d++) {
            if (pageNumberAt[d] == pageNumber) {
                throw corrupt(pageNumber, "the b-tree loops back to a page it came through");
            }
        }
        // A sound tree visits each page once; pages shared between subtrees could otherwise make
        // the walk run for ever.
        if (++visited > pages.pageCount() + 1) {
            throw corrupt(pageNumber, "the b-tree visits more pages than the database has");
        }
        depth++;
        if (pageAt[depth] == null) {
            pageAt[depth] = new byte[pages.pageSize()];
        }
        byte[] page = pageAt[depth];
        pages.read(pageNumber, page);
        int header = pageNumber == 1 ? 100 : 0;
        int type = page[header] & 0xFF;
        if (type != 0x0D && type != 0x05) {
            throw corrupt(pageNumber, "page type " + type + " is not a table b-tree page");
        }
        pageNumberAt[depth] = pageNumber;
        headerAt[depth] = header;
        int cells = readShort(page, header + 3);
        if (header + (type == 0x0D ? 8 : 12) + 2 * cells > usable) {
            throw corrupt(pageNumber, "its " + cells + " cells do not fit in the page");
        }
        cellCountAt[depth] = cells;
        cellAt[depth] = 0;
    }

    private int cellOffset(byte[] page, int header, int cell, int headerSize) throws SQLException {
        int offset = readShort(page, header + headerSize + 2 * cell);
        if (offset < header + headerSize + 2 * cellCountAt[depth] || offset + 4 > usable) {
            throw corrupt(pageNumberAt[depth], "cell " + cell + " points outside the page");
        }
        return offset;
    }

    private void readCell(byte[] page, int header, int cell) throws SQLException, IOException {
        int p = cellOffset(page, header, cell, 8);
        long payload = 0;
        int end = Math.min(p + 9, usable);
        int b;
        do {
            if (p >= end) {
                throw corrupt(pageNumberAt[depth], "cell " + cell + " has a bad payload size");
            }
            b = page[p++];
            payload = (payload << 7) | (b & 0x7F);
        } while (b < 0);
        long rowid = 0;
        for (int i = 0; i < 9; i++) {
            if (p >= usable) {
                throw corrupt(pageNumberAt[depth], "cell " + cell + " has a bad rowid");
            }
            b = page[p++];
            if (i == 8) {
                rowid = (rowid << 8) | (b & 0xFF);
                break;
            }
            rowid = (rowid << 7) | (b & 0x7F);
            if (b >= 0) {
                break;
            }
        }
        if (payload > Integer.MAX_VALUE - 64 || payload > (pages.pageCount() + 1) * (long) usable) {
            throw corrupt(pageNumberAt[depth], "cell " + cell + " claims a payload of " + payload + " bytes");
        }
        int size = (int) payload;
        int maxLocal = usable - 35;
        byte[] record;
        int start;
        if (size <= maxLocal) {
            if (p + size > usable) {
                throw corrupt(pageNumberAt[depth], "cell " + cell + " runs past the end of the page");
            }
            record = page;
            start = p;
        } else {
            int minLocal = ((usable - 12) * 32 / 255) - 23;
            int local = minLocal + (size - minLocal) % (usable - 4);
            if (local > maxLocal) {
                local = minLocal;
            }
            if (p + local + 4 > usable) {
                throw corrupt(pageNumberAt[depth], "cell " + cell + " runs past the end of the page");
            }
            if (overflow.length < size) {
                overflow = new byte[Math.max(size, overflow.length * 2)];
            }
            System.arraycopy(page, p, overflow, 0, local);
            readOverflow(readInt(page, p + local), overflow, local, size);
            record = overflow;
            start = 0;
        }
        this.rowid = rowid;
        try {
            row = renderer.render(record, start, size, rowid);
        } catch (SQLException e) {
            throw new SQLException("table " + table + ", page " + pageNumberAt[depth] + ": " + e.getMessage(), e);
        }
        if (row == null) {
            row = shortRecords.literals(rowid);
        }
    }

    private void readOverflow(int first, byte[] into, int from, int size) throws IOException, SQLException {
        if (overflowPage == null) {
            overflowPage = new byte[pages.pageSize()];
        }
        byte[] page = overflowPage;
        int next = first;
        int at = from;
        int hops = 0;
        while (at < size) {
            if (next == 0 || ++hops > size / Math.max(1, usable - 4) + 2) {
                throw corrupt(pageNumberAt[depth], "the overflow chain of a cell ends early or loops"
                        + (next == 0 ? "" : " (at page " + Integer.toUnsignedString(next) + ")"));
            }
            pages.read(next, page);
            int n = Math.min(usable - 4, size - at);
            System.arraycopy(page, 4, into, at, n);
            at += n;
            next = readInt(page, 0);
        }
    }

    private SQLException corrupt(int page, String what) {
        return new SQLException("table " + table + ": page " + Integer.toUnsignedString(page)
                + " of the database is malformed: " + what);
    }

    private static int readShort(byte[] a, int i) {
        return ((a[i] & 0xFF) << 8) | (a[i + 1] & 0xFF);
    }

    private static int readInt(byte[] a, int i) {
        return ((a[i] & 0xFF) << 24) | ((a[i + 1] & 0xFF) << 16) | ((a[i + 2] & 0xFF) << 8) | (a[i + 3] & 0xFF);
    }

    @Override
    public byte[] literal(int column) throws SQLException {
        if (columnCount != 1) {
            throw new IllegalArgumentException("table " + table + ": columns are read as one run of "
                    + columnCount + " literals");
        }
        return row;
    }

    @Override
    public byte[] literals(int from, int to) {
        if (from != 0 || to != columnCount) {
            throw new IllegalArgumentException("table " + table + ": columns " + from + " to " + to
                    + " were not opened as one run of literal columns");
        }
        return row;
    }

    @Override
    public Object value(int column) {
        throw new IllegalArgumentException("table " + table + ": column " + column + " was not opened as raw");
    }

    @Override
    public void close() {
        Arrays.fill(pageAt, null);
        overflow = null;
    }
}
