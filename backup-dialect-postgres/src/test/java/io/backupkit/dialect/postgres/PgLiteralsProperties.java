package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The writer and the strict parser agree: any text (without NUL, which PostgreSQL forbids) written
 * as a literal, from a Java value or from a COPY field, parses back into the COPY field of exactly
 * that text.
 */
class PgLiteralsProperties {

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withChars("'\\\"\n\r\t\u0001\u007f,();éΩ😀E").ofMaxLength(20),
                Arbitraries.of("", "NULL", "\\N", "E'", "''", "\\x41", "\\\\", "'); DROP TABLE t; --"))
                .filter(s -> s.indexOf('\0') < 0);
    }

    @Property(tries = 400)
    void aQuotedStringParsesBackToItsText(@ForAll("texts") String text) throws Exception {
        byte[] literal = PgLiterals.quote(text);
        assertThat(copyFieldOf(literal)).isEqualTo(copyEscape(text));
    }

    @Property(tries = 400)
    void aCopyFieldBecomesALiteralThatParsesBackToTheSameField(@ForAll("texts") String text) throws Exception {
        byte[] field = copyEscape(text);
        ByteSink literal = new ByteSink(8);
        PgLiterals.copyFieldToLiteral(field, 0, field.length, false, literal);
        assertThat(copyFieldOf(literal.toByteArray())).isEqualTo(field);
        assertThat(PgLiterals.unescapeCopyField(field, 0, field.length))
                .isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 200)
    void integersAndNullPassThrough(@ForAll long value) throws Exception {
        assertThat(copyFieldOf(PgLiterals.literal(value))).isEqualTo(Long.toString(value).getBytes(StandardCharsets.UTF_8));
        assertThat(copyFieldOf(PgLiterals.literal(null))).isEqualTo("\\N".getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 200)
    void doublesKeepEveryBit(@ForAll double value) throws Exception {
        String text = new String(copyFieldOf(PgLiterals.literal(value)), StandardCharsets.UTF_8);
        double back = switch (text) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
        assertThat(Double.doubleToRawLongBits(back)).isEqualTo(Double.doubleToRawLongBits(value));
    }

    /** One-row, one-column INSERT through the real parser; returns the COPY field (without the newline). */
    static byte[] copyFieldOf(byte[] literal) throws Exception {
        ByteArrayOutputStream sql = new ByteArrayOutputStream();
        sql.writeBytes("INSERT INTO \"t\" (\"c\") VALUES\n(".getBytes(StandardCharsets.UTF_8));
        sql.writeBytes(literal);
        sql.writeBytes(");\n".getBytes(StandardCharsets.UTF_8));
        List<byte[]> rows = new ArrayList<>();
        long n = new PgInsertParser(Map.of("t", List.of("c")), "e").parse(new ByteArrayInputStream(sql.toByteArray()),
                new PgInsertParser.Sink() {
                    @Override
                    public void start(String table) {
                    }

                    @Override
                    public void rows(byte[] buffer, int length) {
                        rows.add(java.util.Arrays.copyOf(buffer, length));
                    }
                });
        assertThat(n).isEqualTo(1);
        byte[] all = rows.get(0);
        assertThat(all[all.length - 1]).isEqualTo((byte) '\n');
        return java.util.Arrays.copyOf(all, all.length - 1);
    }

    /** COPY text-format escaping as the server writes it. */
    static byte[] copyEscape(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            switch (b) {
                case '\\' -> out.writeBytes("\\\\".getBytes(StandardCharsets.US_ASCII));
                case '\n' -> out.writeBytes("\\n".getBytes(StandardCharsets.US_ASCII));
                case '\r' -> out.writeBytes("\\r".getBytes(StandardCharsets.US_ASCII));
                case '\t' -> out.writeBytes("\\t".getBytes(StandardCharsets.US_ASCII));
                default -> out.write(b);
            }
        }
        return out.toByteArray();
    }
}
