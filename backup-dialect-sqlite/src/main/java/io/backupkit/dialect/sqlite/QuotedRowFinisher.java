package io.backupkit.dialect.sqlite;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Finishes a run of literals that SQLite rendered with {@code quote()}, in one pass over the bytes:
 * <ul>
 * <li>a REAL that {@code quote()} printed with 20 digits ({@code %!.20e}, because 15 did not read
 *     back exactly) becomes the shortest exact form, and infinities become {@code 9e999};
 * <li>{@code 0.0} that was -0.0 gets its sign back ({@code quote()} drops it);
 * <li>a TEXT literal holding CR becomes {@code CAST(X'..' AS TEXT)}, because the sqlite3 shell
 *     turns CR LF inside a literal into LF when it reads a script.
 * </ul>
 * Rows that need neither, nearly all of them, are returned as they are, without copying.
 */
final class QuotedRowFinisher {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private QuotedRowFinisher() {
    }

    /** Tells whether the value at a column of the run (0-based) is -0.0. */
    @FunctionalInterface
    interface NegativeZeroProbe {
        boolean isNegativeZero(int column);
    }

    private static final byte[] NEGATIVE_ZERO = "-0.0".getBytes(StandardCharsets.US_ASCII);

    /**
     * Finishes a run. {@code quote()} prints -0.0 as {@code 0.0}; where the probe says the value was
     * -0.0, the sign is put back.
     */
    static byte[] finish(byte[] row, NegativeZeroProbe probe) {
        int n = row.length;
        int i = 0;
        int column = 0;
        ByteArrayOutputStream out = null;
        while (i < n) {
            int start = i;
            byte b = row[i];
            int end;
            byte[] replacement = null;
            if (b == '\'') {
                int j = i + 1;
                boolean cr = false;
                while (true) {
                    byte x = row[j];
                    if (x == '\'') {
                        if (j + 1 < n && row[j + 1] == '\'') {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    if (x == '\r') {
                        cr = true;
                    }
                    j++;
                }
                end = j + 1;
                if (cr) {
                    replacement = castAsText(unquote(row, start, end));
                }
            } else if (b == 'X') {
                end = indexOf(row, (byte) '\'', i + 2) + 1;
            } else if (b == 'N') {
                end = i + 4;
            } else if (b == 'C') {
                end = indexOf(row, (byte) ')', i) + 1;
            } else {
                int j = i;
                boolean exponent = false;
                while (j < n && row[j] != ',') {
                    byte x = row[j];
                    if (x == 'e' || x == 'E' || x == 'I' || x == 'n' || x == 'N') {
                        exponent = true;
                    }
                    j++;
                }
                end = j;
                if (end - start == 3 && row[start] == '0' && row[start + 1] == '.' && row[start + 2] == '0'
                        && probe.isNegativeZero(column)) {
                    replacement = NEGATIVE_ZERO;
                } else if (exponent) {
                    byte[] token = java.util.Arrays.copyOfRange(row, start, end);
                    replacement = SqliteLiterals.normalizeQuotedReal(token);
                }
            }
            if (replacement != null && out == null) {
                out = new ByteArrayOutputStream(n + 64);
                out.write(row, 0, start);
            }
            if (replacement != null) {
                out.write(replacement, 0, replacement.length);
            } else if (out != null) {
                out.write(row, start, end - start);
            }
            i = end;
            column++;
            if (i < n) {
                if (row[i] != ',') {
                    throw new IllegalStateException("unexpected byte " + row[i] + " at " + i + " in a rendered row");
                }
                if (out != null) {
                    out.write(',');
                }
                i++;
            }
        }
        return out == null ? row : out.toByteArray();
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        throw new IllegalStateException("unterminated literal in a rendered row");
    }

    /** The bytes of a quoted literal from {@code start} (opening quote) to {@code end} (after the closing one). */
    private static byte[] unquote(byte[] row, int start, int end) {
        ByteArrayOutputStream text = new ByteArrayOutputStream(end - start);
        for (int k = start + 1; k < end - 1; k++) {
            text.write(row[k]);
            if (row[k] == '\'') {
                k++;
            }
        }
        return text.toByteArray();
    }

    static byte[] castAsText(byte[] bytes) {
        byte[] out = new byte[bytes.length * 2 + 17];
        int o = 0;
        for (byte c : "CAST(X'".getBytes(StandardCharsets.US_ASCII)) {
            out[o++] = c;
        }
        for (byte x : bytes) {
            out[o++] = HEX[(x >> 4) & 0xF];
            out[o++] = HEX[x & 0xF];
        }
        for (byte c : "' AS TEXT)".getBytes(StandardCharsets.US_ASCII)) {
            out[o++] = c;
        }
        return out;
    }
}
