package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.InvalidArchiveException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The strict parser on hostile bytes: it either parses or says why, naming the entry; nothing else escapes. */
class PgInsertParserProperties {

    private static final String VALID = "INSERT INTO \"t\" (\"a\",\"b\") VALUES\n(1,'x'),\n(NULL,E'\\\\y\\r');\n";

    @Provide
    Arbitrary<byte[]> mutated() {
        byte[] base = VALID.getBytes(StandardCharsets.UTF_8);
        return Arbitraries.integers().between(0, base.length - 1).list().ofMinSize(1).ofMaxSize(4)
                .flatMap(positions -> Arbitraries.bytes().list().ofSize(positions.size()).map(values -> {
                    byte[] copy = base.clone();
                    for (int i = 0; i < positions.size(); i++) {
                        copy[positions.get(i)] = values.get(i);
                    }
                    return copy;
                }));
    }

    @Property(tries = 1000)
    void mutatedEntriesParseOrFailWithASpecificError(@ForAll("mutated") byte[] entry) throws Exception {
        try {
            long rows = new PgInsertParser(Map.of("t", List.of("a", "b")), "sql/e.sql").parse(
                    new ByteArrayInputStream(entry), new PgInsertParser.Sink() {
                        @Override
                        public void start(String table) {
                            assertThat(table).isEqualTo("t");
                        }

                        @Override
                        public void rows(byte[] buffer, int length) {
                            assertThat(buffer[length - 1]).isEqualTo((byte) '\n');
                        }
                    });
            assertThat(rows).isBetween(1L, 2L);
        } catch (InvalidArchiveException e) {
            assertThat(e.getMessage()).startsWith("entry 'sql/e.sql'");
        }
    }

    @Property(tries = 300)
    void randomBytesNeverEscapeAsAnythingButInvalidArchive(@ForAll byte[] entry) throws Exception {
        try {
            new PgInsertParser(Map.of("t", List.of("a")), "sql/r.sql").parse(new ByteArrayInputStream(entry),
                    new PgInsertParser.Sink() {
                        @Override
                        public void start(String table) {
                        }

                        @Override
                        public void rows(byte[] buffer, int length) {
                        }
                    });
        } catch (InvalidArchiveException e) {
            assertThat(e.getMessage()).contains("sql/r.sql");
        }
    }
}
