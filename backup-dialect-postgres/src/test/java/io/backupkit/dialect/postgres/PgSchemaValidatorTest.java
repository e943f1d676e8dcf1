package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.SchemaObject;
import io.backupkit.spi.SchemaStatement.Type;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The schema whitelist, without a database: what the writer emits passes, everything else is named and refused. */
class PgSchemaValidatorTest {

    private final PgSchemaValidator validator = new PgSchemaValidator(Set.of("owners", "Mixed Case"), "manifest.json");

    private static SchemaObject object(ManifestEntry.Kind phase, Type type, String name, String sql) {
        return new SchemaObject(phase, type, name, null, sql);
    }

    @Test
    void writerOutputPasses() {
        for (SchemaObject ok : new SchemaObject[] {
            object(ManifestEntry.Kind.SCHEMA, Type.TYPE, "mood", "CREATE TYPE \"mood\" AS ENUM ('sad', 'it''s')"),
            object(ManifestEntry.Kind.SCHEMA, Type.TYPE, "d", "CREATE DOMAIN \"d\" AS character varying(8) COLLATE \"C\" "
                    + "DEFAULT 'X'::character varying NOT NULL CONSTRAINT c CHECK (((VALUE)::text = upper((VALUE)::text)))"),
            object(ManifestEntry.Kind.SCHEMA, Type.SEQUENCE, "s", "CREATE SEQUENCE \"s\" AS bigint START WITH 1 "
                    + "INCREMENT BY -1 MINVALUE -9223372036854775808 MAXVALUE 1 CACHE 1 NO CYCLE"),
            object(ManifestEntry.Kind.SCHEMA, Type.TABLE, "owners", "CREATE TABLE \"owners\" (\n    \"id\" bigint "
                    + "DEFAULT nextval('owners_id_seq'::regclass) NOT NULL,\n    \"n\" numeric(10,2),\n    \"u\" text "
                    + "GENERATED ALWAYS AS (upper(n::text)) STORED,\n    \"a\" pg_catalog.int4[]\n)"),
            object(ManifestEntry.Kind.POST_DATA, Type.CONSTRAINT, "fk", "ALTER TABLE ONLY \"owners\" ADD CONSTRAINT "
                    + "\"fk\" FOREIGN KEY (parent) REFERENCES \"Mixed Case\"(\"Key\") ON DELETE SET NULL"),
            object(ManifestEntry.Kind.POST_DATA, Type.CONSTRAINT, "owners.id", "ALTER TABLE ONLY \"owners\" ALTER "
                    + "COLUMN \"id\" SET GENERATED ALWAYS"),
            object(ManifestEntry.Kind.POST_DATA, Type.INDEX, "i", "CREATE UNIQUE INDEX i ON \"owners\" USING btree "
                    + "(lower((nick)::text)) INCLUDE (t) WHERE (hours IS NOT NULL)"),
            object(ManifestEntry.Kind.POST_DATA, Type.SEQUENCE, "s", "ALTER SEQUENCE \"s\" OWNED BY \"owners\".\"id\""),
            object(ManifestEntry.Kind.POST_DATA, Type.VIEW, "v", "CREATE VIEW \"v\" AS\nSELECT o.id, count(*) AS n "
                    + "FROM (owners o LEFT JOIN x ON ((x.a = o.id))) GROUP BY o.id"),
            object(ManifestEntry.Kind.POST_DATA, Type.COMMENT, "c", "COMMENT ON COLUMN \"owners\".\"email\" IS "
                    + "E'back \\\\ slash'"),
            object(ManifestEntry.Kind.FINISH, Type.SEQUENCE, "s", "SELECT pg_catalog.setval('\"s\"', 42, true)")}) {
            assertThatCode(() -> validator.validate(ok)).as(ok.sql()).doesNotThrowAnyException();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "TABLE|owners|CREATE TABLE \"owners\" (id int); DROP TABLE x|semicolon",
        "TABLE|owners|CREATE TABLE \"owners\" (id int) -- x|comment",
        "TABLE|owners|CREATE TABLE \"owners\" (id int /* x */)|comment",
        "TABLE|owners|CREATE TEMP TABLE \"owners\" (id int)|only CREATE TABLE",
        "TABLE|owners|CREATE UNLOGGED TABLE \"owners\" (id int)|only CREATE TABLE",
        "TABLE|owners|CREATE TABLE \"owners\" (id int) INHERITS (x)|text follows",
        "TABLE|owners|CREATE TABLE other.\"owners\" (id int)|schema-qualified",
        "TABLE|owners|CREATE TABLE \"other\" (id int)|creates 'other'",
        "TABLE|owners|CREATE TABLE \"owners\" (id evil.type)|qualified with schema 'evil'",
        "TABLE|owners|CREATE TABLE \"owners\" (id int DEFAULT U&'\\0041')|Unicode",
        "TABLE|owners|CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql|dollar",
        "INDEX|i|CREATE INDEX i ON \"owners\" USING btree ((pg_sleep(1)))|pg_sleep",
        "INDEX|i|CREATE INDEX i ON \"owners\" USING btree ((\"pg_terminate_backend\"(1)))|pg_terminate_backend",
        "INDEX|i|CREATE INDEX i ON \"pg_class\" USING btree (oid)|not a table of the backup",
        "INDEX|i|CREATE INDEX i ON public.\"owners\" USING btree (id)|schema-qualified",
        "VIEW|v|CREATE VIEW \"v\" AS SELECT set_config('role', 'x', false)|set_config",
        "VIEW|v|CREATE VIEW \"v\" AS SELECT lo_import('/etc/passwd')|lo_import",
        "VIEW|v|CREATE VIEW \"v\" AS SELECT * FROM dblink('x', 'y')|dblink",
        "VIEW|v|CREATE VIEW \"v\" AS SELECT query_to_xml('delete from t', true, true, '')|query_to_xml",
        "VIEW|v|CREATE VIEW \"v\" AS SELECT a.b.c FROM t|three parts",
        "VIEW|v|CREATE VIEW \"v\" AS SELECT evil.f(1)|function in schema 'evil'",
        "VIEW|v|CREATE VIEW \"v\" AS DELETE FROM owners RETURNING *|not a query",
        "CONSTRAINT|c|ALTER TABLE ONLY \"owners\" ADD CONSTRAINT \"c\" CHECK (setval('s', 1) > 0)|setval",
        "CONSTRAINT|c|ALTER TABLE ONLY \"owners\" DROP CONSTRAINT \"c\"|only CREATE TABLE",
        "CONSTRAINT|c|ALTER TABLE ONLY \"owners\" ADD CONSTRAINT \"c\" FOREIGN KEY (a) REFERENCES pg_catalog.pg_authid(oid)|schema-qualified",
        "CONSTRAINT|c|ALTER TABLE \"owners\" OWNER TO postgres|only CREATE TABLE",
        "SEQUENCE|s|CREATE SEQUENCE \"s\" OWNED BY owners.id|not a word or number",
        "COMMENT|c|COMMENT ON FUNCTION f() IS 'x'|comment on an object",
        "COMMENT|c|COMMENT ON TABLE \"owners\" IS 'x' 'y'|text follows",
        "TABLE|owners|GRANT ALL ON \"owners\" TO PUBLIC|only CREATE TABLE",
        "TABLE|owners|COPY \"owners\" FROM PROGRAM 'id'|only CREATE TABLE"})
    void hostileStatementsAreRefusedWithTheReason(String type, String name, String sql, String reason) {
        SchemaObject object = object(ManifestEntry.Kind.POST_DATA, Type.valueOf(type), name, sql);
        assertThatThrownBy(() -> validator.validate(object)).isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining("manifest.json").hasMessageContaining("'" + name + "'")
                .hasMessageContaining(reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SELECT pg_catalog.setval('\"s\"', 1, true); SELECT 1",
        "SELECT setval('\"s\"', 1, true)",
        "SELECT pg_catalog.setval('s', 1, true)",
        "SELECT pg_catalog.setval('\"s\"', -1, true)",
        "SELECT pg_catalog.setval('\"s\"', 99999999999999999999, true)",
        "SELECT pg_catalog.setval('\"s\"', 1, maybe)",
        "SELECT pg_catalog.setval('\"s\"', (SELECT 1), true)",
        "SELECT pg_catalog.pg_sleep(10)"})
    void finishStatementsAreOnlySetval(String sql) {
        SchemaObject object = object(ManifestEntry.Kind.FINISH, Type.SEQUENCE, "s", sql);
        assertThatThrownBy(() -> validator.validate(object)).isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining("sequence 's'");
    }

    @Test
    void printableHidesControlCharacters() {
        assertThat(PgSchemaValidator.printable("a\nb\u0000c")).isEqualTo("a?b?c");
    }
}
