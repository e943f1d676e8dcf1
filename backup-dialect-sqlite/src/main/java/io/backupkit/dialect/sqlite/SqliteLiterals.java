package io.backupkit.dialect.sqlite;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Renders values as SQLite SQL literals (UTF-8 bytes) that the {@code sqlite3} command-line shell
 * loads back to the same storage class and the same value.
 *
 * <p>What each Java value becomes:
 *
 * <ul>
 *   <li>{@code null} becomes {@code NULL}.
 *   <li>{@link Long}, {@link Integer}, {@link Short}, {@link Byte} become a decimal INTEGER. SQLite
 *       parses {@code -9223372036854775808} as an INTEGER (it folds the minus sign into the
 *       literal), so {@link Long#MIN_VALUE} needs no special form.
 *   <li>{@link Double} and {@link Float} become a REAL: the shortest decimal that parses back to the
 *       same double, always written with a {@code .} or an exponent so that SQLite does not read it
 *       as an INTEGER ({@code 3.0}, {@code 1.0e+23}, {@code 5.0e-324}). A float is widened to double
 *       first, because that is what SQLite stores when a float is bound. {@code -0.0} is written
 *       {@code -0.0}: SQLite keeps the sign bit in a column without REAL affinity, although its own
 *       {@code quote()}, {@code printf()} and {@code .dump} print it as {@code 0.0}. Infinities
 *       become {@code 9e999} and {@code -9e999}, which overflow to infinity when parsed. NaN becomes
 *       {@code NULL}, because SQLite stores a NaN as NULL.
 *   <li>{@link String} becomes {@code '...'} with quotes doubled and every other character kept as
 *       raw UTF-8 (CR, LF, tab and emoji included). A string containing U+0000 becomes {@code
 *       CAST(X'...' AS TEXT)}, because the shell and C string APIs would cut the text at the NUL. A
 *       string with an unpaired surrogate is rejected: it has no UTF-8 encoding and cannot come from
 *       a UTF-8 database.
 *   <li>{@code byte[]} becomes a BLOB {@code X'...'} in upper-case hex; an empty array becomes
 *       {@code X''}, a zero-length BLOB distinct from NULL and from the empty string.
 * </ul>
 *
 * <p>The {@code CAST(X'...' AS TEXT)} form reinterprets the bytes in the database's text encoding,
 * so it restores exact bytes only into UTF-8 databases, SQLite's default.
 *
 * <p>The class is stateless and thread-safe. Every call returns a new array that the caller owns.
 */
final class SqliteLiterals {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    /** Powers of ten that fit in a long, for splitting decimal significands. */
    private static final long[] POW10 = new long[19];

    static {
        long p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    /**
     * Every decimal with at most this many significant digits names a different normal double
     * (DBL_DIG), so a round-tripping candidate of that length is the only one.
     */
    private static final int UNIQUE_DIGITS = 15;

    private SqliteLiterals() {}

    /**
     * Renders a value as a SQLite literal in UTF-8.
     *
     * @param value {@code null}, a {@link Long}, {@link Integer}, {@link Short}, {@link Byte},
     *     {@link Double}, {@link Float}, {@link String} or {@code byte[]}
     * @throws IllegalArgumentException for any other type, or for a string with an unpaired
     *     surrogate
     */
    static byte[] literal(Object value) {
        if (value == null) {
            return ascii("NULL");
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            return ascii(Long.toString(((Number) value).longValue()));
        }
        if (value instanceof Double || value instanceof Float) {
            return realLiteral(((Number) value).doubleValue());
        }
        if (value instanceof String) {
            return stringLiteral((String) value);
        }
        if (value instanceof byte[]) {
            return blobLiteral((byte[]) value);
        }
        throw new IllegalArgumentException(
                "No SQLite literal for values of type " + value.getClass().getName());
    }

    /**
     * Renders a TEXT value given as its raw bytes, which may be invalid UTF-8 or contain NUL (SQLite
     * stores whatever bytes it is handed). Valid UTF-8 without NUL becomes {@code '...'}; anything
     * else becomes {@code CAST(X'...' AS TEXT)}, which restores the bytes exactly.
     */
    static byte[] textLiteral(byte[] utf8OrInvalidBytes) {
        byte[] bytes = utf8OrInvalidBytes;
        if (!isValidUtf8WithoutNul(bytes)) {
            return castHexAsText(bytes);
        }
        return quoted(bytes);
    }

    /**
     * Turns the output of SQLite's {@code quote()} for a REAL value into the canonical literal that
     * {@link #literal(Object)} gives for the same double.
     *
     * <p>{@code quote()} is not shortest (SQLite 3.54 writes {@code 0.33333333333333332} for 1/3)
     * and spells infinities differently across versions ({@code 9.0e+999} in 3.54, {@code Inf} in
     * 3.40), so the text is parsed and rendered again. {@code quote(-0.0)} is {@code 0.0}: the sign
     * is already lost and cannot be recovered here.
     *
     * @throws IllegalArgumentException if the bytes are not a REAL as {@code quote()} writes it
     */
    static byte[] normalizeQuotedReal(byte[] sqliteQuoteOutput) {
        return realLiteral(parseQuotedReal(sqliteQuoteOutput));
    }

    /**
     * Whether {@code quote()} output is a REAL, as opposed to an INTEGER ({@code -?[0-9]+}), TEXT
     * ({@code '...'}), BLOB ({@code X'...'}) or {@code NULL}.
     */
    static boolean isRealLiteral(byte[] quoteOutput) {
        int n = quoteOutput.length;
        if (n == 0) {
            return false;
        }
        byte first = quoteOutput[0];
        if (first == '\'' || first == 'X' || first == 'x') {
            return false;
        }
        if (n == 4 && first == 'N' && quoteOutput[1] == 'U' && quoteOutput[2] == 'L'
                && quoteOutput[3] == 'L') {
            return false;
        }
        // An integer is an optional sign and digits; anything else quote() writes is a REAL.
        int i = (first == '-' || first == '+') ? 1 : 0;
        if (i == n) {
            return false;
        }
        for (; i < n; i++) {
            byte b = quoteOutput[i];
            if (b < '0' || b > '9') {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------
    // REAL

    /** The canonical REAL literal of a double. */
    static byte[] realLiteral(double d) {
        if (Double.isNaN(d)) {
            return ascii("NULL");
        }
        if (Double.isInfinite(d)) {
            return ascii(d > 0 ? "9e999" : "-9e999");
        }
        if (d == 0) {
            // Double.compare tells -0.0 from 0.0; SQLite keeps the sign of a parsed -0.0.
            return ascii(Double.doubleToRawLongBits(d) < 0 ? "-0.0" : "0.0");
        }
        return shortest(d);
    }

    /**
     * The shortest decimal that parses back to {@code d} (finite, non-zero).
     *
     * <p>JDK 17's {@link Double#toString(double)} always round-trips but sometimes has more digits
     * than needed (JDK-4511638, fixed in JDK 19), for example {@code 4.9E-324} instead of {@code
     * 5e-324} and {@code 2.00000000000000004E16} instead of {@code 2.0E16}. Its digits {@code T} are
     * the starting point: every double owns an interval of reals that parse to it, {@code T} lies in
     * that interval, so if any p-digit decimal lies in it, then so does the p-digit neighbour of
     * {@code T} below or above. Checking those two neighbours for each length is therefore exact.
     */
    private static byte[] shortest(double d) {
        boolean negative = d < 0;
        double abs = Math.abs(d);
        String s = Double.toString(abs);

        // Parse T = digits * 10^exp from "123.456", "0.00123" or "1.2345E-7".
        long digits = 0;
        int nDigits = 0;
        int exp = 0;
        int len = s.length();
        int ePos = s.indexOf('E');
        int end = ePos < 0 ? len : ePos;
        boolean afterPoint = false;
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                afterPoint = true;
                continue;
            }
            int v = c - '0';
            if (nDigits == 0 && v == 0) {
                if (afterPoint) {
                    exp--;
                }
                continue;
            }
            if (nDigits >= 18) {
                // More digits than a long holds never happens in practice; stay exact anyway.
                return format(negative, shortestSlow(abs));
            }
            digits = digits * 10 + v;
            nDigits++;
            if (afterPoint) {
                exp--;
            }
        }
        if (ePos >= 0) {
            exp += Integer.parseInt(s, ePos + 1, len, 10);
        }
        // Drop trailing zeros ("100.0" -> 1 * 10^2) so nDigits counts significant digits.
        while (digits % 10 == 0) {
            digits /= 10;
            nDigits--;
            exp++;
        }

        boolean normal = abs >= Double.MIN_NORMAL;
        if (normal && nDigits <= UNIQUE_DIGITS) {
            // Fast path: no other decimal this short names the same double, so T is shortest.
            return format(negative, new Decimal(digits, nDigits, exp));
        }
        // Lengths below 15 cannot help a normal double whose 15-digit neighbours fail: a shorter
        // decimal padded with zeros would be one of them.
        for (int p = normal ? UNIQUE_DIGITS : 1; p < nDigits; p++) {
            Decimal found = neighbourAt(abs, digits, nDigits, exp, p);
            if (found != null) {
                return format(negative, found);
            }
        }
        return format(negative, new Decimal(digits, nDigits, exp));
    }

    /**
     * The p-digit neighbours of T = digits * 10^exp that parse back to {@code abs}, or null. When
     * both do, the one nearer the exact binary value wins (ties to an even last digit).
     */
    private static Decimal neighbourAt(double abs, long digits, int nDigits, int exp, int p) {
        int drop = nDigits - p;
        long scale = POW10[drop];
        long below = digits / scale;
        boolean exact = digits % scale == 0;
        int e = exp + drop;
        Decimal lo = Decimal.of(below, e);
        Decimal hi = exact ? lo : Decimal.of(below + 1, e);
        boolean loOk = lo.value() == abs;
        boolean hiOk = hi != lo && hi.value() == abs;
        if (loOk && hiOk) {
            BigDecimal x = new BigDecimal(abs);
            int c = x.subtract(lo.toBigDecimal()).compareTo(hi.toBigDecimal().subtract(x));
            if (c != 0) {
                return c < 0 ? lo : hi;
            }
            return (below & 1) == 0 ? lo : hi;
        }
        return loOk ? lo : hiOk ? hi : null;
    }

    /** Exact fallback: first rounding of the binary value, by length, that round-trips. */
    private static Decimal shortestSlow(double abs) {
        BigDecimal x = new BigDecimal(abs);
        for (int p = 1; ; p++) {
            BigDecimal r = x.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == abs) {
                r = r.stripTrailingZeros();
                long digits = r.unscaledValue().longValueExact();
                return Decimal.of(digits, -r.scale());
            }
        }
    }

    /** A positive decimal {@code digits * 10^exp} with no trailing zero digit. */
    private static final class Decimal {
        final long digits;
        final int nDigits;
        final int exp;

        Decimal(long digits, int nDigits, int exp) {
            this.digits = digits;
            this.nDigits = nDigits;
            this.exp = exp;
        }

        static Decimal of(long digits, int exp) {
            while (digits % 10 == 0) {
                digits /= 10;
                exp++;
            }
            int n = 1;
            while (n < 19 && POW10[n] <= digits) {
                n++;
            }
            return new Decimal(digits, n, exp);
        }

        double value() {
            // Java's parser is correctly rounded; SQLite's parser is checked against it in tests.
            return Double.parseDouble(digits + "E" + exp);
        }

        BigDecimal toBigDecimal() {
            return BigDecimal.valueOf(digits, -exp);
        }
    }

    /**
     * Lays out a decimal like C's {@code %!.15g}, which is also how SQLite's {@code quote()} lays
     * out short values: plain notation for decimal exponents -4 to 14 ({@code 0.001}, {@code
     * 100.0}), otherwise {@code d.ddde+NN}. A {@code .0} or an exponent is always present, so SQLite
     * reads a REAL.
     */
    private static byte[] format(boolean negative, Decimal dec) {
        byte[] ds = new byte[dec.nDigits];
        long v = dec.digits;
        for (int i = ds.length - 1; i >= 0; i--) {
            ds[i] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        }
        int n = ds.length;
        int sci = n - 1 + dec.exp; // exponent of the first digit
        byte[] out = new byte[n + 32];
        int o = 0;
        if (negative) {
            out[o++] = '-';
        }
        if (sci >= -4 && sci < 15) {
            if (sci < 0) {
                out[o++] = '0';
                out[o++] = '.';
                for (int i = -1; i > sci; i--) {
                    out[o++] = '0';
                }
                System.arraycopy(ds, 0, out, o, n);
                o += n;
            } else if (sci >= n - 1) {
                System.arraycopy(ds, 0, out, o, n);
                o += n;
                for (int i = n - 1; i < sci; i++) {
                    out[o++] = '0';
                }
                out[o++] = '.';
                out[o++] = '0';
            } else {
                System.arraycopy(ds, 0, out, o, sci + 1);
                o += sci + 1;
                out[o++] = '.';
                System.arraycopy(ds, sci + 1, out, o, n - sci - 1);
                o += n - sci - 1;
            }
        } else {
            out[o++] = ds[0];
            out[o++] = '.';
            if (n == 1) {
                out[o++] = '0';
            } else {
                System.arraycopy(ds, 1, out, o, n - 1);
                o += n - 1;
            }
            out[o++] = 'e';
            out[o++] = (byte) (sci < 0 ? '-' : '+');
            int a = Math.abs(sci);
            if (a >= 100) {
                out[o++] = (byte) ('0' + a / 100);
            }
            if (a >= 10) {
                out[o++] = (byte) ('0' + a / 10 % 10);
            }
            out[o++] = (byte) ('0' + a % 10);
        }
        return Arrays.copyOf(out, o);
    }

    /**
     * Parses a REAL as {@code quote()} writes it: {@code %!.15g}/{@code %!.17g}/{@code %!.20e}
     * decimals, which Java parses exactly, or the infinity spellings {@code Inf}/{@code -Inf} of
     * older SQLite versions ({@code 9.0e+999} of newer ones is an ordinary overflowing decimal).
     */
    private static double parseQuotedReal(byte[] q) {
        int n = q.length;
        int i = 0;
        boolean negative = false;
        if (n > 0 && (q[0] == '-' || q[0] == '+')) {
            negative = q[0] == '-';
            i = 1;
        }
        if (n - i == 3 && q[i] == 'I' && q[i + 1] == 'n' && q[i + 2] == 'f') {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (n - i == 3 && q[i] == 'N' && q[i + 1] == 'a' && q[i + 2] == 'N') {
            return Double.NaN;
        }
        // Only digits, one sign, '.', 'e'/'E' and exponent sign may reach the parser: Java would
        // also accept "Infinity", "0x1p3" or a trailing 'd', which quote() never writes.
        boolean sawDigit = false;
        for (int k = i; k < n; k++) {
            byte b = q[k];
            if (b >= '0' && b <= '9') {
                sawDigit = true;
            } else if (b != '.' && b != 'e' && b != 'E' && b != '-' && b != '+') {
                throw notReal(q);
            }
        }
        if (!sawDigit) {
            throw notReal(q);
        }
        try {
            return Double.parseDouble(new String(q, StandardCharsets.ISO_8859_1));
        } catch (NumberFormatException e) {
            throw notReal(q);
        }
    }

    private static IllegalArgumentException notReal(byte[] q) {
        return new IllegalArgumentException(
                "Not a REAL as SQLite's quote() writes it: "
                        + new String(q, StandardCharsets.ISO_8859_1));
    }

    // ---------------------------------------------------------------------------------------------
    // TEXT and BLOB

    private static byte[] stringLiteral(String s) {
        boolean hasNul = false;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                hasNul = true;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    throw loneSurrogate(i);
                }
            } else if (Character.isLowSurrogate(c)) {
                throw loneSurrogate(i);
            }
        }
        // Safe now: getBytes would silently turn a lone surrogate into '?'.
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return hasNul ? castHexAsText(utf8) : quoted(utf8);
    }

    private static IllegalArgumentException loneSurrogate(int index) {
        return new IllegalArgumentException(
                "String has an unpaired surrogate at index " + index
                        + "; it has no UTF-8 form and cannot be stored as SQLite TEXT");
    }

    /** {@code 'bytes'} with every quote doubled; bytes must be UTF-8 without NUL. */
    private static byte[] quoted(byte[] utf8) {
        int quotes = 0;
        for (byte b : utf8) {
            if (b == '\'') {
                quotes++;
            }
        }
        byte[] out = new byte[utf8.length + quotes + 2];
        int o = 0;
        out[o++] = '\'';
        if (quotes == 0) {
            System.arraycopy(utf8, 0, out, o, utf8.length);
            o += utf8.length;
        } else {
            for (byte b : utf8) {
                out[o++] = b;
                if (b == '\'') {
                    out[o++] = '\'';
                }
            }
        }
        out[o] = '\'';
        return out;
    }

    private static byte[] blobLiteral(byte[] blob) {
        byte[] out = new byte[blob.length * 2 + 3];
        out[0] = 'X';
        out[1] = '\'';
        int o = appendHex(blob, out, 2);
        out[o] = '\'';
        return out;
    }

    private static byte[] castHexAsText(byte[] bytes) {
        byte[] prefix = ascii("CAST(X'");
        byte[] suffix = ascii("' AS TEXT)");
        byte[] out = new byte[prefix.length + bytes.length * 2 + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        int o = appendHex(bytes, out, prefix.length);
        System.arraycopy(suffix, 0, out, o, suffix.length);
        return out;
    }

    private static int appendHex(byte[] bytes, byte[] out, int o) {
        for (byte b : bytes) {
            out[o++] = HEX[(b >> 4) & 0xF];
            out[o++] = HEX[b & 0xF];
        }
        return o;
    }

    /**
     * Strict UTF-8 (RFC 3629: shortest form, no surrogates, at most U+10FFFF) with no NUL byte.
     * Anything looser could be altered by tools that re-encode the script.
     */
    static boolean isValidUtf8WithoutNul(byte[] b) {
        int n = b.length;
        int i = 0;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                if (c == 0) {
                    return false;
                }
                i++;
            } else if (c < 0xC2) {
                return false; // continuation byte, or overlong 2-byte lead
            } else if (c < 0xE0) {
                if (i + 1 >= n || !cont(b[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= n || !cont(b[i + 1]) || !cont(b[i + 2])) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) {
                    return false; // overlong, or a surrogate
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= n || !cont(b[i + 1]) || !cont(b[i + 2]) || !cont(b[i + 3])) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) {
                    return false; // overlong, or above U+10FFFF
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    private static boolean cont(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
