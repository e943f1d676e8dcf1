package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.InvalidArchiveException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SqliteFinishParserTest {

    private static final String ENTRY = "sql/000009-finish.sql";
    private static final String PRAGMAS = "PRAGMA user_version = 7;\nPRAGMA application_id = 0;\n";

    private static SqliteFinishParser.Finish parse(String entry) throws Exception {
        return new SqliteFinishParser(ENTRY).parse(new ByteArrayInputStream(entry.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsWhatTheDialectWrites() throws Exception {
        SqliteFinishParser.Finish finish = parse(
                "DELETE FROM sqlite_sequence WHERE name = 'tickets';\n"
                        + "INSERT INTO sqlite_sequence(name, seq) VALUES('tickets', 120);\n"
                        + "DELETE FROM sqlite_sequence WHERE name = 'it''s \"odd\"';\n"
                        + "INSERT INTO sqlite_sequence(name, seq) VALUES('it''s \"odd\"', -5);\n"
                        + "DELETE FROM sqlite_sequence WHERE name = CAST(X'610062' AS TEXT);\n"
                        + "INSERT INTO sqlite_sequence(name, seq) VALUES(CAST(X'610062' AS TEXT), 9223372036854775807);\n"
                        + "PRAGMA user_version = -2147483648;\n"
                        + "PRAGMA application_id = 2147483647;\n");

        assertThat(finish.sequences()).containsExactly(Map.entry("tickets", 120L), Map.entry("it's \"odd\"", -5L),
                Map.entry("a\u0000b", Long.MAX_VALUE));
        assertThat(finish.userVersion()).isEqualTo(Integer.MIN_VALUE);
        assertThat(finish.applicationId()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void readsAnEntryWithoutSequences() throws Exception {
        assertThat(parse(PRAGMAS)).isEqualTo(new SqliteFinishParser.Finish(Map.of(), 7, 0));
    }

    static Stream<Arguments> rejected() {
        String pair = "DELETE FROM sqlite_sequence WHERE name = 't';\nINSERT INTO sqlite_sequence(name, seq) VALUES('t', 1);\n";
        return Stream.of(
                Arguments.of(PRAGMAS + "PRAGMA writable_schema = 1;\n", 3, "PRAGMA writable_schema is not allowed"),
                Arguments.of("PRAGMA main.user_version = 1;\n" + PRAGMAS, 1, "PRAGMA main is not allowed"),
                Arguments.of(PRAGMAS + "PRAGMA user_version = 8;\n", 3, "set twice"),
                Arguments.of("PRAGMA user_version = 8;\n", 2, "does not set PRAGMA application_id"),
                Arguments.of("PRAGMA application_id = 8;", 1, "does not set PRAGMA user_version"),
                Arguments.of("PRAGMA user_version = 2147483648;\nPRAGMA application_id = 0;", 1, "32-bit integer"),
                Arguments.of("PRAGMA user_version = '1';\nPRAGMA application_id = 0;", 1, "32-bit integer"),
                Arguments.of("PRAGMA user_version = 1 + 1;\nPRAGMA application_id = 0;", 1, "';' ending the statement"),
                Arguments.of("PRAGMA user_version = 1\nPRAGMA application_id = 0;", 2, "';' ending the statement"),
                Arguments.of(PRAGMAS + "INSERT INTO users(name, seq) VALUES('t', 1);\n", 3, "table users is not allowed"),
                Arguments.of(PRAGMAS + "DELETE FROM users WHERE name = 't';\n", 3, "table users is not allowed"),
                Arguments.of(PRAGMAS + "DELETE FROM sqlite_sequence;\n", 3, "expected WHERE"),
                Arguments.of(PRAGMAS + "DELETE FROM sqlite_sequence WHERE name = 't';\n", 4, "not followed by its INSERT"),
                Arguments.of("DELETE FROM sqlite_sequence WHERE name = 't';\n" + PRAGMAS, 2, "not followed by its INSERT"),
                Arguments.of(PRAGMAS + "INSERT INTO sqlite_sequence(name, seq) VALUES('t', 1);\n", 3,
                        "does not follow the DELETE"),
                Arguments.of("DELETE FROM sqlite_sequence WHERE name = 'a';\n"
                        + "INSERT INTO sqlite_sequence(name, seq) VALUES('b', 1);\n" + PRAGMAS, 2, "does not follow the DELETE"),
                Arguments.of(pair + pair + PRAGMAS, 3, "set twice"),
                Arguments.of("DELETE FROM sqlite_sequence WHERE name = 't';\n"
                        + "INSERT INTO sqlite_sequence(name, seq) VALUES('t', 1.5);\n" + PRAGMAS, 2, "not an integer"),
                Arguments.of("DELETE FROM sqlite_sequence WHERE name = 't';\n"
                        + "INSERT INTO sqlite_sequence(seq, name) VALUES(1, 't');\n" + PRAGMAS, 2, "expected name"),
                Arguments.of("DELETE FROM sqlite_sequence WHERE name = X'00';\n" + PRAGMAS, 1, "UTF-8 string literal"),
                Arguments.of("DELETE FROM sqlite_sequence WHERE name = 't' OR 1 = 1;\n" + PRAGMAS, 1,
                        "';' ending the statement"),
                Arguments.of(PRAGMAS + "DROP TABLE t;\n", 3, "found a DROP statement"),
                Arguments.of(PRAGMAS + "ATTACH 'x' AS y;\n", 3, "found a ATTACH statement"),
                Arguments.of(PRAGMAS + "-- comment\n", 3, "comment"),
                Arguments.of(PRAGMAS + ")", 3, "found ')'"));
    }

    @ParameterizedTest(name = "[{index}] line {1}: {2}")
    @MethodSource("rejected")
    void rejectsWithEntryLineAndProblem(String entry, int line, String problem) {
        assertThatThrownBy(() -> parse(entry))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining(ENTRY)
                .hasMessageContaining("line " + line + ":")
                .hasMessageContaining(problem);
    }
}
