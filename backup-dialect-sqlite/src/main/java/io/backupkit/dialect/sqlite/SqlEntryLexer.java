package io.backupkit.dialect.sqlite;

import io.backupkit.InvalidArchiveException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the words, identifiers and literals of one archive SQL entry straight from its stream, for
 * {@link SqliteInsertParser} and {@link SqliteFinishParser}.
 *
 * <p>Only a fixed 64 KiB window of the entry is held, plus the value being read; that value is
 * bounded by {@code maxValueBytes}, and the statement being read by a statement limit checked at
 * every refill and row, so a hostile entry cannot make it hold more. Lines are counted as bytes are
 * consumed so that every rejection names the line it happened on.
 *
 * <p>It accepts exactly the literals SQLite's own tokenizer reads as constants and the writer can
 * produce ({@code NULL}, numbers, {@code '...'}, {@code X'...'}, {@code CAST(X'...' AS TEXT)}) and
 * nothing that SQLite would evaluate: there are no expressions, so nothing from an archive can call
 * a function or read a table. Comments are refused outright, because the writer never writes one
 * and a comment is the usual way to hide the rest of a line from a reviewer.
 *
 * <p>Values come back as {@code null}, {@link Long}, {@link Double}, {@link String} (TEXT that is
 * valid UTF-8), {@link SqliteText} (any other TEXT) or {@link SqliteBlob}.
 */
final class SqlEntryLexer {

    /** Bytes held of the stream at a time. */
    static final int WINDOW = 64 * 1024;

    /**
     * Longest number literal accepted. The writer's longest are about 25 characters ({@code
     * -2.2250738585072014e-308}, {@code -9223372036854775808}); SQLite itself accepts any length,
     * but a megabyte of digits can only be an attempt to make the parse slow.
     */
    static final int MAX_NUMBER_CHARS = 1000;

    /** Longest identifier accepted, in bytes; SQLite has no limit short of the statement's. */
    static final int MAX_IDENTIFIER_BYTES = 64 * 1024;

    /** Longest keyword ({@code INSERT}, {@code PRAGMA}, ...) or pragma name worth reading. */
    private static final int MAX_WORD = 64;

    /** Bytes of upcoming input quoted in an error message. */
    private static final int SNIPPET = 24;

    /** Powers of ten that are exact doubles, for the fast path of {@link #parseReal}. */
    private static final double[] EXACT_POW10 = new double[23];

    /** Value of each byte as a hex digit, or -1. */
    private static final byte[] HEX_VALUE = new byte[256];

    static {
        double p = 1;
        for (int i = 0; i < EXACT_POW10.length; i++) {
            EXACT_POW10[i] = p;
            p *= 10;
        }
        Arrays.fill(HEX_VALUE, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            HEX_VALUE[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            HEX_VALUE[c] = (byte) (c - 'a' + 10);
            HEX_VALUE[c - 'a' + 'A'] = (byte) (c - 'a' + 10);
        }
    }

    private final InputStream in;
    private final String entryName;
    private final int maxValueBytes;

    private final byte[] buf = new byte[WINDOW];
    private int pos;
    private int limit;
    /** Offset in the entry of {@code buf[0]}. */
    private long base;
    private boolean eof;
    private int line = 1;
    private int tokenLine = 1;

    /** Offset where the statement being read began, or -1 between statements. */
    private long statementStart = -1;
    private long maxStatementBytes;
    private int statementLine;

    /** Holds a value that spans windows or had escapes (doubled quotes, hex). */
    private byte[] scratch = new byte[256];
    private int scratchLen;

    /** Where {@link #readQuoted} left its content: in {@link #buf} or in {@link #scratch}. */
    private byte[] sliceArray;
    private int sliceOffset;
    private int sliceLength;

    private final byte[] number = new byte[MAX_NUMBER_CHARS];

    /** TEXT literals come out as {@link SqliteText} bytes, unvalidated and undecoded: see {@link #textAsBytes()}. */
    private boolean textAsBytes;

    SqlEntryLexer(InputStream in, String entryName, int maxValueBytes) {
        this.in = in;
        this.entryName = entryName;
        this.maxValueBytes = maxValueBytes;
    }

    /**
     * Makes every TEXT literal come out as its exact bytes ({@link SqliteText}), without checking
     * them as UTF-8 or decoding them into a {@code String}: for a caller that binds the bytes as
     * TEXT and never compares values (the staging load), this saves a decode and an encode per value.
     */
    SqlEntryLexer textAsBytes() {
        this.textAsBytes = true;
        return this;
    }

    // ---------------------------------------------------------------------------------------------
    // Position, statements and errors

    int line() {
        return line;
    }

    /** The line on which the last word, identifier or literal read began. */
    int tokenLine() {
        return tokenLine;
    }

    /** Whether the whole entry has been consumed. */
    boolean atEnd() throws IOException {
        return pos == limit && !ensure(1);
    }

    /** Starts counting a statement's size from the current position. */
    void startStatement(long maxBytes) {
        statementStart = base + pos;
        statementLine = line;
        maxStatementBytes = maxBytes;
    }

    void endStatement() {
        checkStatementSize();
        statementStart = -1;
    }

    /**
     * Rejects the statement being read once it has passed its limit. Called at every window refill
     * and row, so the statement is caught at most a window past the limit, whatever it holds.
     */
    void checkStatementSize() {
        if (statementStart >= 0 && base + pos - statementStart > maxStatementBytes) {
            throw fail(statementLine, "statement is larger than the limit of " + maxStatementBytes
                    + " bytes; a data entry's statements are far smaller, so the entry is damaged or forged");
        }
    }

    InvalidArchiveException fail(String problem) {
        return fail(line, problem);
    }

    InvalidArchiveException fail(int atLine, String problem) {
        return new InvalidArchiveException("entry " + entryName + ", line " + atLine + ": " + problem);
    }

    /**
     * A printable rendering of what comes next, for error messages. Only printable ASCII is shown
     * as it is; every other byte as {@code \xNN}, so a hostile entry cannot put control sequences
     * or misleading text into logs.
     */
    String describeNext() throws IOException {
        ensure(SNIPPET + 1);
        if (pos >= limit) {
            return "the end of the entry";
        }
        int n = Math.min(SNIPPET, limit - pos);
        // Messages must never carry row values: string and blob literals and numbers are shown by
        // their kind only; keywords, names and punctuation are shown as they are.
        StringBuilder s = new StringBuilder("'");
        for (int i = 0; i < n; i++) {
            int b = buf[pos + i] & 0xFF;
            if (b == '\'') {
                int end = i + 1;
                while (end < n && (buf[pos + end] & 0xFF) != '\'') {
                    end++;
                }
                boolean blob = s.length() > 1 && (s.charAt(s.length() - 1) == 'X' || s.charAt(s.length() - 1) == 'x');
                if (blob) {
                    s.setLength(s.length() - 1);
                }
                s.append(blob ? "<blob>" : "<text>");
                i = end;
            } else if (b >= '0' && b <= '9') {
                boolean word = s.length() > 1 && isWordPart(s.charAt(s.length() - 1)) && s.charAt(s.length() - 1) != '>';
                if (word) {
                    s.append((char) b);
                    continue;
                }
                while (i + 1 < n && isNumberPart(buf[pos + i + 1] & 0xFF)) {
                    i++;
                }
                s.append("<number>");
            } else if (b >= 0x20 && b < 0x7F && b != '\\') {
                s.append((char) b);
            } else if (b == '\n') {
                s.append("\\n");
            } else if (b >= 0x80) {
                s.append("<non-ASCII>");
                while (i + 1 < n && (buf[pos + i + 1] & 0xFF) >= 0x80) {
                    i++;
                }
            } else {
                s.append(String.format("\\x%02X", b));
            }
        }
        s.append(limit - pos > n ? "'..." : "'");
        return s.toString();
    }

    private static boolean isNumberPart(int b) {
        return (b >= '0' && b <= '9') || b == '.' || b == 'e' || b == 'E' || b == 'x' || b == 'X'
                || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    /**
     * A name from an entry, double-quoted for a message, with control and bidirectional-override
     * characters escaped so that the message shows what the bytes are.
     */
    static String printable(String name) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == '\\' || (c >= 0x202A && c <= 0x202E)
                    || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029) {
                s.append(String.format("\\u%04X", (int) c));
            } else if (c == '"') {
                s.append("\"\"");
            } else {
                s.append(c);
            }
        }
        return s.append('"').toString();
    }

    private static String describeByte(int b) {
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("\\x%02X", b);
    }

    // ---------------------------------------------------------------------------------------------
    // Reading the stream

    /**
     * Makes at least {@code n} bytes available from {@code pos}, unless the entry ends first.
     * Moves the unread bytes to the start of the window when more must be read.
     */
    private boolean ensure(int n) throws IOException {
        while (limit - pos < n) {
            if (eof) {
                return false;
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                base += pos;
                limit -= pos;
                pos = 0;
            }
            checkStatementSize();
            int read = in.read(buf, limit, buf.length - limit);
            if (read < 0) {
                eof = true;
                return false;
            }
            limit += read;
        }
        return true;
    }

    /** The next byte without consuming it, or -1 at the end of the entry. */
    int peek() throws IOException {
        if (pos < limit || ensure(1)) {
            return buf[pos] & 0xFF;
        }
        return -1;
    }

    /** Consumes one byte that {@link #peek()} returned (not a line feed). */
    void skip() {
        pos++;
    }

    /**
     * Skips whitespace. Rejects comments: the writer never writes one, and {@code --} or {@code /*}
     * is the classic way to hide part of a statement.
     */
    void skipSpace() throws IOException {
        while (true) {
            if (pos == limit && !ensure(1)) {
                return;
            }
            byte b = buf[pos];
            if (b == ' ' || b == '\t' || b == '\r' || b == '\f') {
                pos++;
            } else if (b == '\n') {
                pos++;
                line++;
            } else if (b == '-' || b == '/') {
                if (ensure(2) && buf[pos + 1] == (b == '-' ? '-' : '*')) {
                    throw fail("a comment (" + (b == '-' ? "--" : "/*")
                            + ") outside a string; comments are not allowed in an archive's data");
                }
                return;
            } else {
                return;
            }
        }
    }

    /** Skips whitespace, then consumes {@code c} or fails naming {@code what} was expected. */
    void expect(char c, String what) throws IOException {
        skipSpace();
        int b = peek();
        if (b != c) {
            throw unexpected(what);
        }
        pos++;
    }

    /** Fails saying what was expected and what was found instead. */
    InvalidArchiveException unexpected(String what) throws IOException {
        if (peek() < 0) {
            return fail("the entry ends inside a statement (missing ';'?): expected " + what);
        }
        return fail("expected " + what + " but found " + describeNext());
    }

    private static boolean isWordStart(int b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b == '_';
    }

    private static boolean isWordPart(int b) {
        return isWordStart(b) || (b >= '0' && b <= '9') || b == '$' || b >= 0x80;
    }

    /**
     * Reads a bare word (a keyword or a plain name) after skipping whitespace; null when the next
     * byte cannot start one. A word may not run straight into an identifier character SQLite would
     * still read as part of it.
     */
    String word() throws IOException {
        skipSpace();
        tokenLine = line;
        int b = peek();
        if (!isWordStart(b)) {
            return null;
        }
        StringBuilder w = new StringBuilder();
        while (isWordPart(b)) {
            if (w.length() == MAX_WORD || b >= 0x80 || b == '$') {
                throw fail("expected a keyword but found " + describeNext());
            }
            w.append((char) b);
            pos++;
            b = peek();
        }
        return w.toString();
    }

    /** Reads a word and fails unless it is {@code keyword} (ASCII case-insensitive, as SQLite). */
    void expectWord(String keyword, String context) throws IOException {
        String w = word();
        int at = tokenLine;
        if (w == null) {
            throw unexpected(keyword + " " + context);
        }
        if (!w.equalsIgnoreCase(keyword)) {
            throw fail(at, "expected " + keyword + " " + context + " but found " + w);
        }
    }

    /** Reads a double-quoted identifier ({@code "a""b"} is {@code a"b}); it must be valid UTF-8. */
    String identifier(String what) throws IOException {
        skipSpace();
        tokenLine = line;
        if (peek() != '"') {
            throw unexpected(what + " as a double-quoted identifier");
        }
        int at = line;
        readQuoted((byte) '"', "identifier", MAX_IDENTIFIER_BYTES);
        if (!isValidUtf8(sliceArray, sliceOffset, sliceLength)) {
            throw fail(at, what + " is not valid UTF-8");
        }
        return new String(sliceArray, sliceOffset, sliceLength, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------
    // Literals

    /**
     * Reads one literal after skipping whitespace: {@code NULL}, a number, {@code '...'}, {@code
     * X'...'} or {@code CAST(X'...' AS TEXT)}. Anything else is rejected, naming what was found.
     */
    Object literal() throws IOException {
        skipSpace();
        tokenLine = line;
        int b = peek();
        if (b == '\'') {
            readQuoted((byte) '\'', "string literal", maxValueBytes);
            return textAsBytes ? new SqliteText(Arrays.copyOfRange(sliceArray, sliceOffset, sliceOffset + sliceLength))
                    : text(sliceArray, sliceOffset, sliceLength);
        }
        if (b == '-' || b == '.' || (b >= '0' && b <= '9')) {
            return number();
        }
        if ((b == 'X' || b == 'x') && ensure(2) && buf[pos + 1] == '\'') {
            pos++;
            readHex();
            return new SqliteBlob(Arrays.copyOf(scratch, scratchLen));
        }
        if (isWordStart(b)) {
            String w = word();
            int at = tokenLine;
            if (w.equalsIgnoreCase("NULL")) {
                return null;
            }
            if (w.equalsIgnoreCase("CAST")) {
                return castHexAsText();
            }
            skipSpace();
            String shape = peek() == '(' ? "a function call " + w + "(...)" : "the name or keyword " + w;
            throw fail(at, "expected a literal (NULL, a number, '...', X'...' or CAST(X'...' AS TEXT)) but found "
                    + shape + "; only literals are allowed in an archive's data");
        }
        if (b == '(') {
            throw fail("expected a literal but found '(': subqueries and expressions are not allowed in an"
                    + " archive's data");
        }
        throw unexpected("a literal (NULL, a number, '...', X'...' or CAST(X'...' AS TEXT))");
    }

    /** {@code CAST(X'...' AS TEXT)} after the word CAST: TEXT given by its exact bytes. */
    private Object castHexAsText() throws IOException {
        expect('(', "'(' after CAST");
        skipSpace();
        int b = peek();
        if (!((b == 'X' || b == 'x') && ensure(2) && buf[pos + 1] == '\'')) {
            throw unexpected("X'...' inside CAST(... AS TEXT)");
        }
        pos++;
        readHex();
        byte[] bytes = Arrays.copyOf(scratch, scratchLen);
        expectWord("AS", "in CAST(X'...' AS TEXT)");
        expectWord("TEXT", "in CAST(X'...' AS TEXT)");
        expect(')', "')' closing CAST(X'...' AS TEXT)");
        return textAsBytes ? new SqliteText(bytes) : text(bytes, 0, bytes.length);
    }

    /**
     * TEXT as a value: a {@link String} when the bytes are valid UTF-8, else {@link SqliteText}.
     * Choosing by content, not by spelling, makes equal TEXT always parse to equal values.
     */
    private static Object text(byte[] a, int off, int len) {
        if (isValidUtf8(a, off, len)) {
            return new String(a, off, len, StandardCharsets.UTF_8);
        }
        return new SqliteText(Arrays.copyOfRange(a, off, off + len));
    }

    /**
     * Reads a quoted token starting at the opening quote, with the quote doubled inside it. The
     * content is left in {@link #sliceArray}: straight in the window when it lies there whole with
     * no doubled quote (nearly always), else copied into {@link #scratch}. A NUL byte is rejected:
     * the writer turns TEXT holding NUL into {@code CAST(X'...' AS TEXT)}, because the sqlite3
     * shell would cut the literal there.
     */
    private void readQuoted(byte quote, String what, int maxBytes) throws IOException {
        int startLine = line;
        pos++;
        scratchLen = 0;
        boolean direct = true;
        int segment = pos;
        while (true) {
            if (pos == limit) {
                append(buf, segment, pos - segment, startLine, what, maxBytes);
                direct = false;
                if (!ensure(1)) {
                    throw fail(startLine, "unterminated " + what + ": the entry ends before its closing quote");
                }
                segment = pos;
                continue;
            }
            byte b = buf[pos];
            if (b == quote) {
                if (pos + 1 == limit) {
                    // The next byte, which says whether this quote is doubled, is not read yet.
                    append(buf, segment, pos - segment, startLine, what, maxBytes);
                    direct = false;
                    pos++;
                    if (ensure(1) && buf[pos] == quote) {
                        append(buf, pos, 1, startLine, what, maxBytes);
                        pos++;
                        segment = pos;
                        continue;
                    }
                    break;
                }
                if (buf[pos + 1] == quote) {
                    append(buf, segment, pos + 1 - segment, startLine, what, maxBytes);
                    direct = false;
                    pos += 2;
                    segment = pos;
                    continue;
                }
                if (direct) {
                    sliceArray = buf;
                    sliceOffset = segment;
                    sliceLength = pos - segment;
                    pos++;
                    if (sliceLength > maxBytes) {
                        throw tooLong(startLine, what, maxBytes);
                    }
                    return;
                }
                append(buf, segment, pos - segment, startLine, what, maxBytes);
                pos++;
                break;
            }
            if (b == '\n') {
                line++;
            } else if (b == 0) {
                throw fail("NUL byte inside a " + what + "; the writer never puts one there");
            }
            pos++;
        }
        sliceArray = scratch;
        sliceOffset = 0;
        sliceLength = scratchLen;
    }

    /** Reads {@code '...'} of an {@code X'...'} literal, from the opening quote, into scratch. */
    private void readHex() throws IOException {
        int startLine = line;
        pos++;
        scratchLen = 0;
        int high = -1;
        int digits = 0;
        while (true) {
            if (pos == limit && !ensure(1)) {
                throw fail(startLine, "unterminated X'...' literal: the entry ends before its closing quote");
            }
            int b = buf[pos] & 0xFF;
            if (b == '\'') {
                pos++;
                break;
            }
            int v = HEX_VALUE[b];
            if (v < 0) {
                throw fail("non-hex character " + describeByte(b) + " in an X'...' literal");
            }
            pos++;
            digits++;
            if (high < 0) {
                high = v;
            } else {
                if (scratchLen == scratch.length || scratchLen == maxValueBytes) {
                    grow(scratchLen + 1, startLine, "X'...' literal", maxValueBytes);
                }
                scratch[scratchLen++] = (byte) (high << 4 | v);
                high = -1;
            }
        }
        if (high >= 0) {
            throw fail(startLine, "X'...' literal has an odd number of hex digits (" + digits + ")");
        }
    }

    private void append(byte[] from, int off, int len, int startLine, String what, int maxBytes) {
        if (len == 0) {
            return;
        }
        if (scratchLen + len > maxBytes) {
            throw tooLong(startLine, what, maxBytes);
        }
        if (scratchLen + len > scratch.length) {
            grow(scratchLen + len, startLine, what, maxBytes);
        }
        System.arraycopy(from, off, scratch, scratchLen, len);
        scratchLen += len;
    }

    private void grow(int needed, int startLine, String what, int maxBytes) {
        if (needed > maxBytes) {
            throw tooLong(startLine, what, maxBytes);
        }
        int size = (int) Math.min(Math.max((long) scratch.length * 2, needed), maxBytes);
        scratch = Arrays.copyOf(scratch, size);
    }

    private InvalidArchiveException tooLong(int startLine, String what, int maxBytes) {
        return fail(startLine, what + " is longer than the limit of " + maxBytes + " bytes");
    }

    // ---------------------------------------------------------------------------------------------
    // Numbers

    /**
     * Reads {@code -?(digits[.digits]|.digits)([eE][+-]?digits)?}. Without {@code .} or exponent it
     * is an INTEGER, as SQLite reads it, and must fit in 64 bits: SQLite would silently turn a
     * larger one into a REAL, which the writer never relies on. With them it is a REAL, parsed
     * correctly rounded, overflowing to infinity ({@code 9e999}) as SQLite's parser does.
     */
    private Object number() throws IOException {
        int startLine = line;
        int n = 0;
        if (peek() == '-') {
            n = take(n);
        }
        int before = n;
        n = takeDigits(n);
        int intDigits = n - before;
        boolean real = false;
        int fracDigits = 0;
        if (peek() == '.') {
            real = true;
            n = take(n);
            int at = n;
            n = takeDigits(n);
            fracDigits = n - at;
        }
        if (intDigits + fracDigits == 0) {
            throw fail(startLine, "malformed number " + describeNumber(n));
        }
        int expStart = -1;
        int c = peek();
        if (c == 'e' || c == 'E') {
            real = true;
            n = take(n);
            c = peek();
            if (c == '+' || c == '-') {
                n = take(n);
            }
            expStart = n;
            n = takeDigits(n);
            if (n == expStart) {
                throw fail(startLine, "malformed number " + describeNumber(n) + ": exponent without digits");
            }
        }
        c = peek();
        if (isWordPart(c) || c == '.') {
            throw fail(startLine, "malformed number " + describeNumber(n));
        }
        if (!real) {
            return parseInteger(n, startLine);
        }
        return parseReal(n, expStart);
    }

    private int take(int n) throws IOException {
        if (n == MAX_NUMBER_CHARS) {
            throw fail("number literal is longer than " + MAX_NUMBER_CHARS + " characters");
        }
        number[n] = buf[pos++];
        return n + 1;
    }

    private int takeDigits(int n) throws IOException {
        while (true) {
            int c = peek();
            if (c < '0' || c > '9') {
                return n;
            }
            n = take(n);
        }
    }

    private String describeNumber(int n) throws IOException {
        String next = peek() < 0 ? "" : describeNext();
        // the digits may be a row value: only their count is shown
        return "of " + n + " characters" + (next.isEmpty() ? "" : " followed by " + next);
    }

    /** Long.parseLong's accumulation in the negative range, so -9223372036854775808 fits. */
    private Long parseInteger(int n, int startLine) {
        boolean negative = number[0] == '-';
        long limitValue = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        long multiplyMin = limitValue / 10;
        long result = 0;
        for (int i = negative ? 1 : 0; i < n; i++) {
            int d = number[i] - '0';
            if (result < multiplyMin || result * 10 < limitValue + d) {
                throw fail(startLine, "an integer of " + n + " characters does not fit in 64 bits; SQLite would silently turn it into a REAL, so it cannot"
                        + " come from this library's writer");
            }
            result = result * 10 - d;
        }
        return negative ? result : -result;
    }

    /**
     * A REAL, correctly rounded like {@link Double#parseDouble}. When the significant digits fit
     * in 53 bits and the power of ten is at most 22, both are exact doubles and one multiplication
     * or division rounds correctly (Clinger's fast path); that covers most values the writer
     * produces and avoids building a String. Everything else goes to {@link Double#parseDouble},
     * which only ever sees the strict grammar checked above.
     */
    private Double parseReal(int n, int expStart) {
        boolean negative = number[0] == '-';
        long mantissa = 0;
        int significant = 0;
        int scale = 0;
        boolean fits = true;
        boolean fraction = false;
        int end = expStart < 0 ? n : expStart - (number[expStart - 1] == 'e' || number[expStart - 1] == 'E' ? 1 : 2);
        for (int i = negative ? 1 : 0; i < end; i++) {
            byte ch = number[i];
            if (ch == '.') {
                fraction = true;
                continue;
            }
            int d = ch - '0';
            if (mantissa == 0 && d == 0) {
                if (fraction) {
                    scale--;
                }
                continue;
            }
            if (significant == 18) {
                fits = false;
                break;
            }
            mantissa = mantissa * 10 + d;
            significant++;
            if (fraction) {
                scale--;
            }
        }
        if (fits && mantissa == 0) {
            return negative ? -0.0 : 0.0;
        }
        if (fits && mantissa <= (1L << 53)) {
            int exponent = 0;
            boolean expFits = true;
            if (expStart >= 0) {
                for (int k = expStart; k < n; k++) {
                    exponent = exponent * 10 + (number[k] - '0');
                    if (exponent > 100_000) {
                        expFits = false;
                        break;
                    }
                }
                if (number[expStart - 1] == '-') {
                    exponent = -exponent;
                }
            }
            int power = exponent + scale;
            if (expFits && power >= -22 && power <= 22) {
                double v = power >= 0 ? mantissa * EXACT_POW10[power] : mantissa / EXACT_POW10[-power];
                return negative ? -v : v;
            }
        }
        return Double.parseDouble(new String(number, 0, n, StandardCharsets.ISO_8859_1));
    }

    // ---------------------------------------------------------------------------------------------
    // UTF-8

    /**
     * Strict UTF-8 (RFC 3629: shortest form, no surrogates, at most U+10FFFF). NUL is allowed: it
     * is valid UTF-8 and a Java String holds it.
     */
    static boolean isValidUtf8(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            if (c < 0xC2) {
                return false; // continuation byte, or overlong 2-byte lead
            } else if (c < 0xE0) {
                if (i + 1 >= end || !continuation(b[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= end || !continuation(b[i + 1]) || !continuation(b[i + 2])) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) {
                    return false; // overlong, or a surrogate
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= end || !continuation(b[i + 1]) || !continuation(b[i + 2])
                        || !continuation(b[i + 3])) {
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

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
