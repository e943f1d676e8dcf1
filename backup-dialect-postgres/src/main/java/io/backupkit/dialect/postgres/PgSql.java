package io.backupkit.dialect.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A strict tokenizer for the PostgreSQL statements this dialect writes. It refuses what the writer
 * never produces and what could smuggle a second statement or hide text from the checks:
 * semicolons, comments, dollar quoting, parameters, Unicode-escape strings, NUL and stray
 * backslashes.
 */
final class PgSql {

    /** Token kinds. */
    enum Kind { WORD, QUOTED, STRING, NUMBER, OP, LPAREN, RPAREN, COMMA, DOT, LBRACKET, RBRACKET }

    /**
     * One token.
     *
     * @param kind  its kind
     * @param text  a word in lower case, a quoted identifier or string's value, or the token's text
     */
    record Token(Kind kind, String text) {
        boolean is(String word) {
            return kind == Kind.WORD && text.equals(word);
        }

        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED;
        }
    }

    /** Thrown when text is not one acceptable statement; the message says why, without the text. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message);
        }
    }

    private PgSql() {
    }

    static List<Token> tokenize(String sql) throws Rejected {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
                i++;
            } else if (c == '\0') {
                throw new Rejected("a NUL character");
            } else if (c == ';') {
                throw new Rejected("a semicolon (a second statement)");
            } else if ((c == '-' && i + 1 < n && sql.charAt(i + 1) == '-')
                    || (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*')) {
                throw new Rejected("a comment");
            } else if (c == '$') {
                throw new Rejected("dollar quoting or a parameter");
            } else if (c == '\'') {
                i = string(sql, i + 1, false, tokens);
            } else if ((c == 'E' || c == 'e') && i + 1 < n && sql.charAt(i + 1) == '\'') {
                i = string(sql, i + 2, true, tokens);
            } else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x') && i + 1 < n && sql.charAt(i + 1) == '\'') {
                i = string(sql, i + 2, false, tokens);
            } else if ((c == 'U' || c == 'u') && i + 1 < n && sql.charAt(i + 1) == '&') {
                throw new Rejected("a Unicode-escape string or identifier");
            } else if (c == '"') {
                StringBuilder name = new StringBuilder();
                int j = i + 1;
                while (true) {
                    if (j >= n) {
                        throw new Rejected("an unterminated quoted identifier");
                    }
                    char q = sql.charAt(j);
                    if (q == '"') {
                        if (j + 1 < n && sql.charAt(j + 1) == '"') {
                            name.append('"');
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    name.append(q);
                    j++;
                }
                if (name.length() == 0) {
                    throw new Rejected("an empty quoted identifier");
                }
                tokens.add(new Token(Kind.QUOTED, name.toString()));
                i = j + 1;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i + 1;
                while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_'
                        || sql.charAt(j) == '$')) {
                    j++;
                }
                tokens.add(new Token(Kind.WORD, sql.substring(i, j).toLowerCase(Locale.ROOT)));
                i = j;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(sql.charAt(i + 1)))) {
                int j = i;
                while (j < n && (Character.isDigit(sql.charAt(j)) || sql.charAt(j) == '.')) {
                    j++;
                }
                if (j < n && (sql.charAt(j) == 'e' || sql.charAt(j) == 'E')) {
                    j++;
                    if (j < n && (sql.charAt(j) == '+' || sql.charAt(j) == '-')) {
                        j++;
                    }
                    while (j < n && Character.isDigit(sql.charAt(j))) {
                        j++;
                    }
                }
                tokens.add(new Token(Kind.NUMBER, sql.substring(i, j)));
                i = j;
            } else if (c == '(') {
                tokens.add(new Token(Kind.LPAREN, "("));
                i++;
            } else if (c == ')') {
                tokens.add(new Token(Kind.RPAREN, ")"));
                i++;
            } else if (c == ',') {
                tokens.add(new Token(Kind.COMMA, ","));
                i++;
            } else if (c == '.') {
                tokens.add(new Token(Kind.DOT, "."));
                i++;
            } else if (c == '[') {
                tokens.add(new Token(Kind.LBRACKET, "["));
                i++;
            } else if (c == ']') {
                tokens.add(new Token(Kind.RBRACKET, "]"));
                i++;
            } else if ("+-*/<>=~!@#%^&|`?:".indexOf(c) >= 0) {
                int j = i;
                while (j < n && "+-*/<>=~!@#%^&|`?:".indexOf(sql.charAt(j)) >= 0) {
                    if ((sql.charAt(j) == '-' && j + 1 < n && sql.charAt(j + 1) == '-')
                            || (sql.charAt(j) == '/' && j + 1 < n && sql.charAt(j + 1) == '*')) {
                        throw new Rejected("a comment");
                    }
                    j++;
                }
                tokens.add(new Token(Kind.OP, sql.substring(i, j)));
                i = j;
            } else {
                throw new Rejected("the character U+" + String.format("%04X", (int) c) + " outside a string");
            }
        }
        return tokens;
    }

    private static int string(String sql, int i, boolean escapes, List<Token> tokens) throws Rejected {
        StringBuilder value = new StringBuilder();
        int n = sql.length();
        while (true) {
            if (i >= n) {
                throw new Rejected("an unterminated string");
            }
            char c = sql.charAt(i);
            if (c == '\0') {
                throw new Rejected("a NUL character");
            }
            if (c == '\'') {
                if (i + 1 < n && sql.charAt(i + 1) == '\'') {
                    value.append('\'');
                    i += 2;
                    continue;
                }
                tokens.add(new Token(Kind.STRING, value.toString()));
                return i + 1;
            }
            if (c == '\\' && escapes) {
                if (i + 1 >= n) {
                    throw new Rejected("an unterminated string");
                }
                value.append(c).append(sql.charAt(i + 1));
                i += 2;
                continue;
            }
            value.append(c);
            i++;
        }
    }
}
