package io.backupkit.dialect.sqlite;

import java.math.BigDecimal;
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
 *   <li>{@link Double} and {@link Float} become a REAL, always written with a {@code .} or an
 *       exponent so that SQLite does not read it as an INTEGER ({@code 3.0}, {@code 1.0e+23}). The
 *       digits are the shortest that parse back to the same double both in exact parsers (Java,
 *       recent SQLite) and in the long-double parser of SQLite 3.44 and older, which misrounds some
 *       shortest forms (about 1 in 5000 random doubles with sqlite3 3.40.1). That is the plain
 *       shortest form for 99.3% to 99.96% of values, depending on their spread, and a 16- or
 *       17-digit form for the rest; see {@link #realLiteral(double)}. Magnitudes below 1e-290,
 *       subnormals included, get their plain shortest decimal (restore's strict parser accepts
 *       only plain literals); sqlite3 3.44 and older may misread those by one ulp. A float is
 *       widened to double first, as binding one does.
 *   <li>{@code -0.0} is written {@code -0.0}. SQLite keeps its sign in a column without affinity
 *       (REAL, NUMERIC and INTEGER affinity store it as 0), although {@code quote()}, {@code
 *       printf()} and {@code .dump} all print it as {@code 0.0}. Infinities become {@code 9e999}
 *       and {@code -9e999}, which overflow to infinity when parsed. NaN becomes {@code NULL}:
 *       SQLite stores a bound NaN as NULL.
 *   <li>{@link String} becomes {@code '...'} with quotes doubled and every other character kept as
 *       raw UTF-8 (LF, tab and emoji included). A string containing U+0000 or CR becomes
 *       {@code CAST(X'...' AS TEXT)}: the shell and C string APIs cut text at NUL, and the shell
 *       drops a CR that ends an input line. A string with an unpaired surrogate is
 *       rejected: it has no UTF-8 encoding and cannot come from a UTF-8 database.
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
     * Renders a TEXT value given as its raw bytes, which may be invalid UTF-8 or contain NUL
     * (SQLite stores whatever bytes it is handed). Valid UTF-8 without NUL or CR becomes {@code '...'};
     * anything else becomes {@code CAST(X'...' AS TEXT)}, which
     * restores the bytes exactly.
     */
    static byte[] textLiteral(byte[] utf8OrInvalidBytes) {
        if (!isValidUtf8WithoutNul(utf8OrInvalidBytes) || indexOf(utf8OrInvalidBytes, (byte) '\r') >= 0) {
            return castHexAsText(utf8OrInvalidBytes);
        }
        return quoted(utf8OrInvalidBytes);
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
     * <p>The result is exact only if {@code quote()} wrote enough digits to identify the double.
     * The SQLite bundled with sqlite-jdbc 3.54.1 always does; the 3.40 shell does not below about
     * 1e-290 (and rarely elsewhere), because it checks its 15-digit form with its own inexact
     * parser. Feed this the output of the bundled library.
     *
     * @throws IllegalArgumentException if the bytes are not a REAL as {@code quote()} writes it
     */
    static byte[] normalizeQuotedReal(byte[] sqliteQuoteOutput) {
        return realLiteral(parseQuotedReal(sqliteQuoteOutput));
    }

    /** SQLite's own {@code quote()} of a double. */
    @FunctionalInterface
    interface SqliteQuote {
        byte[] quote(double d) throws java.sql.SQLException;
    }

    /**
     * The literal that a backup read through SQL writes for a double: SQLite's {@code quote()},
     * then {@link #normalizeQuotedReal} for the forms with an exponent ({@link QuotedRowFinisher}),
     * byte for byte.
     *
     * <p>Zero, infinities, NaN and whole numbers below 2^53 (counts and amounts stored as REAL,
     * {@code 48.0}) are written here. Any other double goes to {@code sqliteQuote}: the {@code
     * quote()} of SQLite 3.54 writes up to 17 digits from its own conversion, which is neither the
     * shortest form nor always the correctly rounded one ({@code 0.33333333333333332} for 1/3, {@code
     * 1.2345678901234001} for 1.2345678901234), so only SQLite can say which digits it writes.
     */
    static byte[] quotedRealLiteral(double d, SqliteQuote sqliteQuote) throws java.sql.SQLException {
        if (d == 0 || Double.isNaN(d) || Double.isInfinite(d)) {
            return realLiteral(d);
        }
        double abs = Math.abs(d);
        if (abs < 0x1p53 && abs == Math.rint(abs)) {
            byte[] out = new byte[24];
            int o = 0;
            if (d < 0) {
                out[o++] = '-';
            }
            return Arrays.copyOf(out, format((long) abs, 0, out, o, 17));
        }
        byte[] token = sqliteQuote.quote(d);
        for (byte b : token) {
            if (b == 'e' || b == 'E' || b == 'I' || b == 'n' || b == 'N') {
                return realLiteral(d);
            }
        }
        return token;
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
            // SQLite keeps the sign of a parsed -0.0 (unary minus applied to 0.0).
            return ascii(Double.doubleToRawLongBits(d) < 0 ? "-0.0" : "0.0");
        }
        boolean negative = d < 0;
        double abs = Math.abs(d);
        if (abs >= TINY) {
            byte[] out = new byte[32];
            int o = 0;
            if (negative) {
                out[o++] = '-';
            }
            if (abs < 1e15 && abs == Math.rint(abs)) {
                // Fast path for whole numbers (counts stored as REAL): exact, at most 15 digits,
                // so these digits are the only short ones and every parser reads them exactly.
                o = format((long) abs, 0, out, o);
            } else {
                o = writeDecimal(abs, out, o);
            }
            return Arrays.copyOf(out, o);
        }
        // Below 1e-290 the fast decimal search has no tables; such values are rare, so the exact
        // shortest decimal is found with BigDecimal. The literal stays a plain number (restore's
        // strict parser accepts nothing else); sqlite3 3.44 and older may misread it by one ulp.
        // Data that holds one such value tends to hold it many times (a sentinel such as 1e-300),
        // so the last few are remembered.
        long bits = Double.doubleToRawLongBits(d);
        int slot = (int) (bits ^ (bits >>> 29)) & (TINY_CACHE.length - 1);
        TinyLiteral cached = TINY_CACHE[slot];
        if (cached != null && cached.bits() == bits) {
            return cached.literal().clone();
        }
        byte[] literal = tinyLiteral(abs, negative);
        TINY_CACHE[slot] = new TinyLiteral(bits, literal.clone());
        return literal;
    }

    /** A remembered literal of a double below {@link #TINY}; racy reads are fine, the record is immutable. */
    private record TinyLiteral(long bits, byte[] literal) {
    }

    private static final TinyLiteral[] TINY_CACHE = new TinyLiteral[64];

    private static byte[] tinyLiteral(double abs, boolean negative) {
        java.math.BigDecimal exact = new java.math.BigDecimal(abs);
        for (int precision = 1; precision <= 17; precision++) {
            java.math.BigDecimal rounded = exact.round(new java.math.MathContext(precision,
                    java.math.RoundingMode.HALF_EVEN));
            if (rounded.doubleValue() == abs) {
                java.math.BigInteger unscaled = rounded.unscaledValue();
                String digits = unscaled.toString();
                int exponent = digits.length() - 1 - rounded.scale();
                String mantissa = digits.length() == 1 ? digits + ".0" : digits.charAt(0) + "." + digits.substring(1);
                return ascii((negative ? "-" : "") + mantissa + "e" + exponent);
            }
        }
        throw new IllegalStateException("no decimal of 17 digits reads back as " + (negative ? -abs : abs));
    }

    /** Doubles below this take the exact BigDecimal search; see {@link #realLiteral(double)}. */
    private static final double TINY = 1e-290;

    /*
     * Choosing the digits.
     *
     * SQLite parses a decimal s * 10^-e (s the digits as an integer) by computing 10^e by repeated
     * multiplication and dividing s by it. Up to 3.44 that runs in long double: on x86-64 (80-bit,
     * 64-bit significand, the common Linux server case such as Debian 12's 3.40.1) the result is
     * rounded to 64 bits and then to 53, so a decimal lying very close to the midpoint between two
     * doubles can come back as the neighbour. The shortest round-tripping decimal often lies
     * close to that midpoint, and measured with sqlite3 3.40.1 about 1 in 5000 random doubles
     * misloads from its shortest form. Later versions parse with double-double arithmetic; the
     * 3.54.1 bundled with sqlite-jdbc read every value tested exactly.
     *
     * The parser's error is at most one rounding per inexact power-of-ten multiplication plus one
     * for the division, each at most 2^-64 relative, which is less than 2^-11 ulp of the result.
     * So a decimal is written only if its distance to the edge of the double's rounding interval
     * exceeds N * 2^-11 ulp (N the number of roundings for its exponent; 1 up to 10^27, at most
     * 14). Among those, the shortest wins, ties broken by nearness to the double and then by an
     * even last digit. Measured, that is longer than the plain shortest form for 0.04% of 6-digit
     * decimals with exponents within +-20, 0.25% of random bit patterns and 0.7% of short
     * decimals with exponents near +-300; 0.1, 3.14 and the like are unaffected. A 17-digit
     * nearest decimal always qualifies (within 0.46 ulp), so the search ends there.
     * Builds of SQLite <= 3.44 whose long double is a plain double (MSVC, Apple arm64) err by
     * far more; no decimal form is safe there (only an exact expression such as m/2^k would be),
     * so they are out of scope.
     *
     * The digits come from d * 10^k in double-double arithmetic (error below 1e-14 of the 17th
     * digit, far inside the margins above), with k chosen so that the product has 17 digits.
     */

    private static final int K_MIN = -300;
    private static final int K_MAX = 308;
    private static final double[] POW10_HI = new double[K_MAX - K_MIN + 1];
    private static final double[] POW10_LO = new double[K_MAX - K_MIN + 1];

    /** Rounding steps of the old SQLite parser for a decimal exponent of this magnitude. */
    private static final int[] ROUNDINGS = new int[350];

    static {
        for (int k = K_MIN; k <= K_MAX; k++) {
            BigDecimal p = BigDecimal.ONE.scaleByPowerOfTen(k);
            double hi = p.doubleValue();
            POW10_HI[k - K_MIN] = hi;
            POW10_LO[k - K_MIN] = p.subtract(new BigDecimal(hi)).doubleValue();
        }
        for (int e = 0; e < ROUNDINGS.length; e++) {
            // scale = 10^(e % 22), then times 1e22 until 10^e. Powers up to 10^27 (5^27 < 2^64)
            // are exact in a 64-bit significand; each later multiplication may round once.
            int n = 1;
            for (int j = e % 22 + 22; j <= e; j += 22) {
                if (j > 27) {
                    n++;
                }
            }
            ROUNDINGS[e] = n;
        }
    }

    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    private static final long TEN_16 = 10_000_000_000_000_000L;
    private static final long TEN_17 = 100_000_000_000_000_000L;

    /** 2^-11, and a hair more so that the double-double error can never tip a decision. */
    private static final double ROUNDING_ULPS = 0x1p-11 * (1 + 0x1p-20);

    /**
     * Writes the chosen decimal for a positive double of at least {@link #TINY} and returns the new
     * write position.
     */
    private static int writeDecimal(double abs, byte[] out, int o) {
        // k so that y = abs * 10^k has 17 integer digits; the estimate is exact or one too high.
        int k = 16 - ((Math.getExponent(abs) * 78913) >> 18);
        long yInt;
        double frac;
        double h;
        for (int attempt = 0; ; attempt++) {
            if (attempt == 3) {
                throw new AssertionError("no 17-digit scaling for " + abs);
            }
            h = POW10_HI[k - K_MIN];
            double yHi = abs * h;
            double yLo = Math.fma(abs, h, -yHi) + abs * POW10_LO[k - K_MIN];
            // y is exact to about 1e-14. When it is an integer (1e20 * 10^-4), that error could
            // put it just below 10^16 at one scale and at 10^17 at the next; snapping it back to
            // the integer moves it far less than the margins and ends the back and forth.
            double nearest = Math.rint(yLo);
            if (Math.abs(yLo - nearest) < 0x1p-40) {
                yLo = nearest;
            }
            double floorLo = Math.floor(yLo);
            yInt = (long) yHi + (long) floorLo; // yHi >= 2^53 once in range, so it is an integer
            frac = yLo - floorLo;
            if (yInt >= TEN_17) {
                k--;
            } else if (yInt < TEN_16) {
                k++;
            } else {
                break;
            }
        }
        // The rounding interval of abs, scaled like y: half the gap to each neighbour.
        double halfUp = Math.ulp(abs) * h / 2;
        double halfDown = (abs - Math.nextDown(abs)) * h / 2;
        double marginUnit = Math.ulp(abs) * h * ROUNDING_ULPS;

        long unit = 100; // candidates with 15, 16, then 17 significant digits
        for (int p = 15; p <= 17; p++, unit /= 10) {
            long below = yInt - yInt % unit;
            long above = below + unit;
            double distBelow = (yInt - below) + frac;
            double distAbove = (above - yInt) - frac;
            boolean okBelow = distBelow < halfDown - marginUnit * roundings(below, k)
                    || (distBelow <= halfDown + marginUnit && exactTie(abs, below, k));
            boolean okAbove = distAbove < halfUp - marginUnit * roundings(above, k)
                    || (distAbove <= halfUp + marginUnit && exactTie(abs, above, k));
            long chosen;
            if (okBelow && okAbove) {
                chosen = distBelow < distAbove ? below
                        : distAbove < distBelow ? above
                        : (below / unit) % 2 == 0 ? below : above;
            } else if (okBelow) {
                chosen = below;
            } else if (okAbove) {
                chosen = above;
            } else if (p == 17) {
                // Unreachable: the nearest 17-digit decimal is within 0.46 ulp, inside any margin.
                chosen = distBelow <= distAbove ? below : above;
            } else {
                continue;
            }
            return format(chosen, -k, out, o);
        }
        throw new AssertionError("unreachable");
    }

    /**
     * Whether the decimal {@code framed * 10^-k}, lying at the very edge of the rounding interval
     * of {@code abs}, still parses to {@code abs} in every SQLite. That holds when it is an integer
     * that the old parser computes without any rounding (c * 10^x with 10^x and the product exact
     * in a 64-bit significand), leaving one correctly rounded conversion to double, ties to even,
     * exactly as in Java. This keeps {@code 1.0e+23} for 1e23, which lies exactly on a midpoint.
     */
    private static boolean exactTie(double abs, long framed, int k) {
        int exp = -k;
        while (framed % 10 == 0) {
            framed /= 10;
            exp++;
        }
        if (exp < 0 || exp > 27) {
            // A fraction is exact only if it is itself a double, so never at an edge; beyond 10^27
            // the power of ten itself is rounded.
            return false;
        }
        long odd = framed >>> Long.numberOfTrailingZeros(framed);
        long pow5 = 1;
        for (int i = 0; i < exp; i++) {
            pow5 *= 5; // 5^27 < 2^63
        }
        if (odd > Long.MAX_VALUE / pow5) {
            return false;
        }
        return Double.parseDouble(framed + "E" + exp) == abs;
    }

    /** Old-parser rounding steps for the decimal {@code framed * 10^-k}. */
    private static int roundings(long framed, int k) {
        int exp = -k;
        while (framed % 10 == 0) {
            framed /= 10;
            exp++;
        }
        return ROUNDINGS[Math.min(Math.abs(exp), ROUNDINGS.length - 1)];
    }

    /**
     * Writes {@code digits * 10^exp} like C's {@code %!.15g}, which is also how SQLite's {@code
     * quote()} lays out short values: plain notation for decimal exponents -4 to 14 ({@code
     * 0.001}, {@code 100.0}), otherwise {@code d.ddde+NN}. A {@code .0} or an exponent is always
     * present, so SQLite reads a REAL and never an INTEGER.
     */
    private static int format(long digits, int exp, byte[] out, int o) {
        return format(digits, exp, out, o, 15);
    }

    /** {@link #format(long, int, byte[], int)} with plain notation for decimal exponents -4 to {@code plainBelow - 1}. */
    private static int format(long digits, int exp, byte[] out, int o, int plainBelow) {
        while (digits % 10 == 0) {
            digits /= 10;
            exp++;
        }
        int n = 1;
        while (n < 19 && digits >= POW10[n]) {
            n++;
        }
        int sci = n - 1 + exp; // exponent of the first digit
        if (sci >= plainBelow || sci < -4) {
            // d.ddde+NN: the first digit, then the rest (or a 0) after the point
            long rest = digits % POW10[n - 1];
            out[o++] = (byte) ('0' + digits / POW10[n - 1]);
            out[o++] = '.';
            o = n == 1 ? put(out, o, '0') : writeDigits(rest, n - 1, out, o);
            out[o++] = 'e';
            out[o++] = (byte) (sci < 0 ? '-' : '+');
            int a = Math.abs(sci);
            return writeDigits(a, a >= 100 ? 3 : a >= 10 ? 2 : 1, out, o);
        }
        if (sci < 0) {
            // 0.000ddd
            out[o++] = '0';
            out[o++] = '.';
            for (int i = -1; i > sci; i--) {
                out[o++] = '0';
            }
            return writeDigits(digits, n, out, o);
        }
        if (sci >= n - 1) {
            // ddd000.0
            o = writeDigits(digits, n, out, o);
            for (int i = n - 1; i < sci; i++) {
                out[o++] = '0';
            }
            out[o++] = '.';
            return put(out, o, '0');
        }
        // ddd.ddd
        long scale = POW10[n - 1 - sci];
        o = writeDigits(digits / scale, sci + 1, out, o);
        out[o++] = '.';
        return writeDigits(digits % scale, n - 1 - sci, out, o);
    }

    /** Writes exactly {@code count} decimal digits of {@code value}, zero-padded on the left. */
    private static int writeDigits(long value, int count, byte[] out, int o) {
        for (int i = o + count - 1; i >= o; i--) {
            out[i] = (byte) ('0' + (int) (value % 10));
            value /= 10;
        }
        return o + count;
    }

    private static int put(byte[] out, int o, char c) {
        out[o] = (byte) c;
        return o + 1;
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
            if (c == 0 || c == '\r') {
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

    /**
     * {@code 'bytes'} with every quote doubled; bytes must be UTF-8 without NUL or CR. TEXT holding
     * either takes the {@code CAST(X'..' AS TEXT)} form instead: C strings stop at NUL, and the
     * sqlite3 shell drops a CR that ends an input line, so a CR LF inside a literal would lose its CR.
     */
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

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
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
    private static boolean isValidUtf8WithoutNul(byte[] b) {
        return indexOf(b, (byte) 0) < 0 && SqlEntryLexer.isValidUtf8(b, 0, b.length);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
