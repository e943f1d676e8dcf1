package io.backupkit.dialect.sqlite;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits SQL text into tokens the way SQLite's tokenizer ({@code sqlite3GetToken}) does, for
 * {@link SqliteSchemaValidator}: a check that looked at the text with regular expressions could be
 * fooled by a keyword inside a string, a string inside a comment, or a {@code ;} in a quoted name.
 *
 * <p>Comments and whitespace are dropped. Strings {@code '...'}, identifiers {@code "..."}, {@code
 * [...]} and {@code `...`} become one token each, with their value unquoted. Anything SQLite would
 * call an illegal token, and anything the validator never needs to accept (parameters such as
 * {@code ?1} or {@code :name}, unterminated comments), is rejected with a {@link
 * IllegalArgumentException} whose message says what and where.
 */
final class SqliteTokenizer {

    /** What a token is. */
    enum Type {
        /** A bare keyword or name, such as {@code CREATE} or {@code users}. */
        WORD,
        /** {@code "name"}, {@code [name]} or {@code `name`}. */
        QUOTED_ID,
        /** {@code 'text'}. */
        STRING,
        /** A numeric literal. */
        NUMBER,
        /** {@code X'hex'}. */
        BLOB,
        /** {@code (} */
        LPAREN,
        /** {@code )} */
        RPAREN,
        /** {@code ;} */
        SEMI,
        /** {@code ,} */
        COMMA,
        /** {@code .} */
        DOT,
        /** Any other operator: {@code = == < <= <> != || -> ->> + - * / %} and so on. */
        OPERATOR
    }

    /**
     * One token.
     *
     * @param type  what it is
     * @param value a word as written; a quoted identifier or string without its quotes and with
     *              doubled quotes undone; other tokens as written
     * @param start offset of its first character in the text
     * @param end   offset just after its last character
     */
    record Token(Type type, String value, int start, int end) {

        /** Whether this is the bare word {@code keyword}, compared as SQLite does (ASCII case only). */
        boolean is(String keyword) {
            return type == Type.WORD && asciiEqualsIgnoreCase(value, keyword);
        }

        /** Whether this token can name an object: a bare word, a quoted identifier or a string. */
        boolean isName() {
            return type == Type.WORD || type == Type.QUOTED_ID || type == Type.STRING;
        }
    }

    private SqliteTokenizer() {
    }

    /**
     * The tokens of {@code sql}.
     *
     * @throws IllegalArgumentException at the first thing that is not a token SQLite accepts or
     *                                  that a schema statement may hold
     */
    static List<Token> tokenize(String sql) {
        List<Token> tokens = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            int start = i;
            switch (c) {
                case ' ', '\t', '\n', '\f', '\r' -> i++;
                case '-' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '-') {
                        int nl = sql.indexOf('\n', i);
                        i = nl < 0 ? n : nl + 1;
                    } else if (i + 1 < n && sql.charAt(i + 1) == '>') {
                        i += i + 2 < n && sql.charAt(i + 2) == '>' ? 3 : 2;
                        tokens.add(new Token(Type.OPERATOR, sql.substring(start, i), start, i));
                    } else {
                        i++;
                        tokens.add(new Token(Type.OPERATOR, "-", start, i));
                    }
                }
                case '/' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '*') {
                        int close = sql.indexOf("*/", i + 2);
                        if (close < 0) {
                            throw error(sql, start, "unterminated /* comment");
                        }
                        i = close + 2;
                    } else {
                        i++;
                        tokens.add(new Token(Type.OPERATOR, "/", start, i));
                    }
                }
                case '(' -> tokens.add(new Token(Type.LPAREN, "(", start, ++i));
                case ')' -> tokens.add(new Token(Type.RPAREN, ")", start, ++i));
                case ';' -> tokens.add(new Token(Type.SEMI, ";", start, ++i));
                case ',' -> tokens.add(new Token(Type.COMMA, ",", start, ++i));
                case '+', '*', '%', '&', '~' -> tokens.add(new Token(Type.OPERATOR, String.valueOf(c), start, ++i));
                case '=' -> {
                    i += i + 1 < n && sql.charAt(i + 1) == '=' ? 2 : 1;
                    tokens.add(new Token(Type.OPERATOR, sql.substring(start, i), start, i));
                }
                case '<' -> {
                    char next = i + 1 < n ? sql.charAt(i + 1) : 0;
                    i += next == '=' || next == '>' || next == '<' ? 2 : 1;
                    tokens.add(new Token(Type.OPERATOR, sql.substring(start, i), start, i));
                }
                case '>' -> {
                    char next = i + 1 < n ? sql.charAt(i + 1) : 0;
                    i += next == '=' || next == '>' ? 2 : 1;
                    tokens.add(new Token(Type.OPERATOR, sql.substring(start, i), start, i));
                }
                case '!' -> {
                    if (i + 1 >= n || sql.charAt(i + 1) != '=') {
                        throw error(sql, start, "'!' is not an operator");
                    }
                    i += 2;
                    tokens.add(new Token(Type.OPERATOR, "!=", start, i));
                }
                case '|' -> {
                    i += i + 1 < n && sql.charAt(i + 1) == '|' ? 2 : 1;
                    tokens.add(new Token(Type.OPERATOR, sql.substring(start, i), start, i));
                }
                case '\'', '"', '`' -> {
                    StringBuilder value = new StringBuilder();
                    i = quoted(sql, i, c, value);
                    tokens.add(new Token(c == '\'' ? Type.STRING : Type.QUOTED_ID, value.toString(), start, i));
                }
                case '[' -> {
                    int close = sql.indexOf(']', i + 1);
                    if (close < 0) {
                        throw error(sql, start, "unterminated [identifier]");
                    }
                    i = close + 1;
                    tokens.add(new Token(Type.QUOTED_ID, sql.substring(start + 1, close), start, i));
                }
                case '.' -> {
                    if (i + 1 < n && isDigit(sql.charAt(i + 1))) {
                        i = number(sql, i);
                        tokens.add(new Token(Type.NUMBER, sql.substring(start, i), start, i));
                    } else {
                        tokens.add(new Token(Type.DOT, ".", start, ++i));
                    }
                }
                case '?', '$', '@', ':', '#' -> throw error(sql, start,
                        "parameter placeholders have no place in a schema statement");
                default -> {
                    if (isDigit(c)) {
                        i = number(sql, i);
                        tokens.add(new Token(Type.NUMBER, sql.substring(start, i), start, i));
                    } else if ((c == 'x' || c == 'X') && i + 1 < n && sql.charAt(i + 1) == '\'') {
                        StringBuilder hex = new StringBuilder();
                        i = quoted(sql, i + 1, '\'', hex);
                        if (hex.length() % 2 != 0 || !hex.chars().allMatch(SqliteTokenizer::isHexDigit)) {
                            throw error(sql, start, "malformed X'...' literal");
                        }
                        tokens.add(new Token(Type.BLOB, sql.substring(start, i), start, i));
                    } else if (isIdStart(c)) {
                        while (i < n && isIdPart(sql.charAt(i))) {
                            i++;
                        }
                        tokens.add(new Token(Type.WORD, sql.substring(start, i), start, i));
                    } else {
                        throw error(sql, start, String.format("unexpected character U+%04X", (int) c));
                    }
                }
            }
        }
        return tokens;
    }

    /** Reads a token quoted with {@code q} from its opening quote; returns the offset after it. */
    private static int quoted(String sql, int open, char q, StringBuilder value) {
        int n = sql.length();
        int i = open + 1;
        while (true) {
            int close = sql.indexOf(q, i);
            if (close < 0) {
                throw error(sql, open, "unterminated " + (q == '\'' ? "string" : "quoted identifier"));
            }
            value.append(sql, i, close);
            if (close + 1 < n && sql.charAt(close + 1) == q) {
                value.append(q);
                i = close + 2;
            } else {
                return close + 1;
            }
        }
    }

    /**
     * A number: digits with an optional fraction and exponent, or a {@code 0x} hex integer, with
     * SQLite's {@code _} digit separators. A number running straight into a letter is an illegal
     * token in SQLite, and here.
     */
    private static int number(String sql, int i) {
        int n = sql.length();
        int start = i;
        if (sql.charAt(i) == '0' && i + 2 < n && (sql.charAt(i + 1) == 'x' || sql.charAt(i + 1) == 'X')
                && isHexDigit(sql.charAt(i + 2))) {
            i += 2;
            while (i < n && (isHexDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                i++;
            }
        } else {
            while (i < n && (isDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                i++;
            }
            if (i < n && sql.charAt(i) == '.') {
                i++;
                while (i < n && (isDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                    i++;
                }
            }
            if (i + 1 < n && (sql.charAt(i) == 'e' || sql.charAt(i) == 'E')) {
                int j = i + 1;
                if (j < n && (sql.charAt(j) == '+' || sql.charAt(j) == '-')) {
                    j++;
                }
                if (j < n && isDigit(sql.charAt(j))) {
                    i = j;
                    while (i < n && (isDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                        i++;
                    }
                }
            }
        }
        if (i < n && isIdPart(sql.charAt(i))) {
            throw error(sql, start, "malformed number");
        }
        return i;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(int c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** SQLite's identifier characters: ASCII letters, '_', and every non-ASCII character. */
    private static boolean isIdStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    private static boolean isIdPart(char c) {
        return isIdStart(c) || isDigit(c) || c == '$';
    }

    /** SQLite folds only ASCII letters when comparing keywords and names. */
    static boolean asciiEqualsIgnoreCase(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (asciiLower(a.charAt(i)) != asciiLower(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** A name folded as SQLite compares names: ASCII letters to lower case, nothing else. */
    static String asciiLower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            out.append(asciiLower(s.charAt(i)));
        }
        return out.toString();
    }

    private static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    private static IllegalArgumentException error(String sql, int at, String problem) {
        int line = 1;
        for (int k = 0; k < at && k < sql.length(); k++) {
            if (sql.charAt(k) == '\n') {
                line++;
            }
        }
        return new IllegalArgumentException(problem + " at line " + line + " of the statement");
    }
}
