package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupException;
import io.backupkit.BackupInfo;
import io.backupkit.BackupService;
import io.backupkit.Compression;
import io.backupkit.InvalidArchiveException;
import io.backupkit.RestoreOptions;
import io.backupkit.internal.ArchiveLayout;
import io.backupkit.internal.ArchiveReader;
import io.backupkit.internal.ArchiveWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile archives made from a real PostgreSQL backup by unpacking it, editing an entry or the
 * manifest and packing it again with every checksum recomputed, so that only the restore's strict
 * checks can catch the edit. Each must fail with a specific error and leave the live schema, its
 * data, the database's schemas and the store's listing exactly as they were.
 */
class HostileArchiveTest {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @TempDir
    Path storeFolder;

    private String db;
    private HikariDataSource pool;
    private BackupService service;
    private String id;
    private byte[] originalSidecar;
    private String liveDump;
    private Map<String, String> liveContent;
    private List<String> schemas;
    private List<String> listing;

    @BeforeEach
    void backUp() throws Exception {
        db = PgTestServer.newDatabase("hostile");
        pool = PgTestServer.pool(db);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, email text UNIQUE)");
            s.execute("CREATE TABLE tickets (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                    + "user_id bigint REFERENCES users (id), title text, hours integer CHECK (hours >= 0))");
            s.execute("CREATE INDEX tickets_user ON tickets (user_id)");
            s.execute("INSERT INTO users (name, email) SELECT 'user ''' || i, 'u' || i || '@example.com' "
                    + "FROM generate_series(1, 200) i");
            s.execute("INSERT INTO tickets (user_id, title, hours) SELECT 1 + i % 200, 'pompe ' || i, i "
                    + "FROM generate_series(1, 500) i");
        }
        service = PgTestKit.service(pool, storeFolder, new PostgresDialect());
        id = service.backup().id();
        originalSidecar = Files.readAllBytes(sidecar());
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM tickets WHERE id > 450");
            s.execute("UPDATE users SET name = 'changed' WHERE id = 7");
        }
        liveDump = PgTestKit.catalogIdentity(db, "public");
        liveContent = PgTestKit.content(db, "public");
        schemas = RestoreRoundTripTest.schemas(pool);
        listing = service.list().stream().map(BackupInfo::id).toList();
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    private Path archive() {
        return storeFolder.resolve(id + ".tar.zst");
    }

    private Path sidecar() {
        return storeFolder.resolve(id + ".json");
    }

    /** An unpacked archive: its SQL entries in order and its manifest as a JSON tree. */
    private final class Forgery {
        final Map<String, byte[]> entries = new LinkedHashMap<>();
        final ObjectNode manifest;

        Forgery() throws IOException {
            byte[][] manifestJson = new byte[1][];
            try (InputStream in = Files.newInputStream(archive())) {
                ArchiveReader.read(in, Compression.Algorithm.ZSTD, (name, size, content) -> {
                    if (name.equals(ArchiveLayout.MANIFEST)) {
                        manifestJson[0] = content.readAllBytes();
                    } else {
                        entries.put(name, content.readAllBytes());
                    }
                });
            }
            manifest = (ObjectNode) MAPPER.readTree(manifestJson[0]);
        }

        String entry(String kind, String table) {
            for (JsonNode e : manifest.get("entries")) {
                if (e.get("kind").asText().equals(kind) && (table == null || table.equals(e.get("table").asText()))) {
                    return e.get("name").asText();
                }
            }
            throw new AssertionError("no " + kind + " entry for " + table);
        }

        String text(String entry) {
            return new String(entries.get(entry), StandardCharsets.ISO_8859_1);
        }

        /** Sets an entry's bytes from a string of chars 0-255 (so any byte can be forged). */
        void setText(String entry, String text) {
            entries.put(entry, text.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** Replaces a schema statement in the manifest and rewrites its phase's entry to agree. */
        void replaceSchema(String name, String phase, String sql) {
            boolean found = false;
            for (JsonNode s : manifest.get("schema")) {
                if (s.get("name").asText().equals(name) && s.get("phase").asText().equals(phase)) {
                    ((ObjectNode) s).put("sql", sql);
                    found = true;
                }
            }
            assertThat(found).as("schema statement " + name).isTrue();
            StringBuilder text = new StringBuilder();
            for (JsonNode s : manifest.get("schema")) {
                if (s.get("phase").asText().equals(phase)) {
                    text.append(s.get("sql").asText()).append(";\n");
                }
            }
            entries.put(entry(phase, null), text.toString().getBytes(StandardCharsets.UTF_8));
        }

        void write() throws IOException {
            for (JsonNode e : manifest.get("entries")) {
                byte[] bytes = entries.get(e.get("name").asText());
                ((ObjectNode) e).put("size", bytes.length).put("sha256", sha256(bytes));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ArchiveWriter writer = new ArchiveWriter(out, Compression.zstd(3), Instant.now());
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                writer.addEntry(e.getKey(), e.getValue(), e.getValue().length);
            }
            byte[] json = MAPPER.writeValueAsBytes(manifest);
            writer.addEntry(ArchiveLayout.MANIFEST, json, json.length);
            writer.finish();
            Files.write(archive(), out.toByteArray());
            ObjectNode side = (ObjectNode) MAPPER.readTree(originalSidecar);
            ((ObjectNode) side.get("backup")).put("sizeBytes", writer.bytesWritten())
                    .put("archiveSha256", writer.archiveSha256());
            // the sidecar's copy of the manifest guides the one-pass restore: a forger rewrites it too
            side.put("manifest", new String(json, StandardCharsets.UTF_8));
            Files.write(sidecar(), MAPPER.writeValueAsBytes(side));
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Throwable restoreFails(Class<? extends Throwable> type, String... fragments) throws Exception {
        Throwable thrown = catchThrowable(() -> service.restore(id, RestoreOptions.builder().build()));
        assertThat(thrown).as("restore of the forged backup").isInstanceOf(type);
        assertThat(thrown.getMessage()).contains(fragments);
        assertNothingChanged();
        return thrown;
    }

    private void assertNothingChanged() throws Exception {
        assertThat(PgTestKit.catalogIdentity(db, "public")).isEqualTo(liveDump);
        assertThat(PgTestKit.content(db, "public")).isEqualTo(liveContent);
        assertThat(RestoreRoundTripTest.schemas(pool)).as("schemas").isEqualTo(schemas);
        assertThat(service.list().stream().map(BackupInfo::id).toList()).as("backups listed").isEqualTo(listing);
    }

    @Test
    void aRepackedButUneditedArchiveStillRestores() throws Exception {
        new Forgery().write();
        assertThat(service.verify(id).ok()).isTrue();
        service.restore(id, RestoreOptions.builder().build());
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*), max(id) FROM tickets")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(500);
            assertThat(rs.getLong(2)).isEqualTo(500);
        }
    }

    @Test
    void aSecondStatementInATableDefinitionIsRejected() throws Exception {
        Forgery f = new Forgery();
        f.replaceSchema("users", "SCHEMA", "CREATE TABLE \"users\" (\"id\" bigint, \"name\" text, \"email\" text); "
                + "DROP TABLE \"tickets\"");
        f.write();
        restoreFails(InvalidArchiveException.class, "table 'users'", "semicolon");
    }

    @Test
    void aCheckThatReadsServerFilesIsRejected() throws Exception {
        Forgery f = new Forgery();
        f.replaceSchema("tickets_hours_check", "POST_DATA", "ALTER TABLE ONLY \"tickets\" ADD CONSTRAINT "
                + "\"tickets_hours_check\" CHECK (length(pg_read_file('/etc/passwd')) > 0)");
        f.write();
        restoreFails(InvalidArchiveException.class, "tickets_hours_check", "pg_read_file");
    }

    @Test
    void aFunctionFromAnotherSchemaIsRejected() throws Exception {
        Forgery f = new Forgery();
        f.replaceSchema("tickets_user", "POST_DATA", "CREATE INDEX tickets_user ON tickets USING btree "
                + "(public.evil(user_id))");
        f.write();
        restoreFails(InvalidArchiveException.class, "tickets_user", "function in schema 'public'");
    }

    @Test
    void aTableCreatedInTheLiveSchemaIsRejected() throws Exception {
        Forgery f = new Forgery();
        f.replaceSchema("users", "SCHEMA", "CREATE TABLE public.\"users\" (\"id\" bigint, \"name\" text, \"email\" text)");
        f.write();
        restoreFails(InvalidArchiveException.class, "table 'users'", "schema-qualified");
    }

    @Test
    void codeInsteadOfATableIsRejected() throws Exception {
        Forgery f = new Forgery();
        f.replaceSchema("users", "SCHEMA", "DO $x$ BEGIN PERFORM pg_sleep(10); END $x$");
        f.write();
        restoreFails(InvalidArchiveException.class, "table 'users'", "dollar quoting");
    }

    @Test
    void aConstraintOnATableOutsideTheBackupIsRejected() throws Exception {
        Forgery f = new Forgery();
        f.replaceSchema("tickets_pkey", "POST_DATA", "ALTER TABLE ONLY \"pg_class\" ADD CONSTRAINT "
                + "\"tickets_pkey\" PRIMARY KEY (oid)");
        f.write();
        restoreFails(InvalidArchiveException.class, "tickets_pkey", "not a table of the backup");
    }

    @Test
    void aFunctionCallAsAValueIsRejectedNamingTheRowAndColumn() throws Exception {
        Forgery f = new Forgery();
        String entry = f.entry("DATA", "users");
        f.setText(entry, f.text(entry).replaceFirst("\\(1,'user ''1'","(1,pg_sleep(5)"));
        f.write();
        restoreFails(InvalidArchiveException.class, entry, "table 'users', row 1, column 'name'", "not a literal");
    }

    @Test
    void aSecondStatementInADataEntryIsRejected() throws Exception {
        Forgery f = new Forgery();
        String entry = f.entry("DATA", "users");
        f.setText(entry, f.text(entry) + "DROP TABLE \"tickets\";\n");
        f.write();
        restoreFails(InvalidArchiveException.class, entry, "expected INSERT INTO");
    }

    @Test
    void aNulCharacterIsRejectedNamingTheRowAndColumn() throws Exception {
        Forgery f = new Forgery();
        String entry = f.entry("DATA", "users");
        f.setText(entry, f.text(entry).replaceFirst("\\(3,'user ''3'","(3,E'user\\\\x00three'"));
        f.write();
        restoreFails(InvalidArchiveException.class, entry, "row 3, column 'name'", "NUL");
    }

    @Test
    void invalidUtf8IsRejected() throws Exception {
        Forgery f = new Forgery();
        String entry = f.entry("DATA", "users");
        f.setText(entry, f.text(entry).replaceFirst("'user ''4'", "'user \u00ff\u00fe'"));
        f.write();
        restoreFails(InvalidArchiveException.class, entry, "row 4, column 'name'", "not valid UTF-8");
    }

    @Test
    void aValueOfTheWrongTypeIsRejectedWithoutQuotingIt() throws Exception {
        Forgery f = new Forgery();
        String entry = f.entry("DATA", "tickets");
        f.setText(entry, f.text(entry).replaceFirst("\\(1,2,'pompe 1',1\\)", "(1,2,'pompe 1','secret-value')"));
        f.write();
        Throwable thrown = restoreFails(InvalidArchiveException.class, entry, "table 'tickets'", "row 1",
                "column 'hours'", "SQLSTATE 22P02");
        assertThat(thrown.getMessage()).doesNotContain("secret-value");
    }

    @Test
    void rowsOfAnotherTableAreRejected() throws Exception {
        Forgery f = new Forgery();
        String entry = f.entry("DATA", "users");
        f.setText(entry, f.text(entry).replace("INSERT INTO \"users\"", "INSERT INTO \"pg_authid\""));
        f.write();
        restoreFails(InvalidArchiveException.class, entry, "'pg_authid', which is not a table of the backup");
    }

    @Test
    void aFinishStatementOtherThanSetvalIsRejected() throws Exception {
        Forgery f = new Forgery();
        f.replaceSchema("users_id_seq", "FINISH", "SELECT pg_catalog.set_config('search_path', 'x', false)");
        f.write();
        restoreFails(InvalidArchiveException.class, "users_id_seq", "only SELECT pg_catalog.setval");
    }

    @Test
    void orphansFailUnlessAllowedAndThenKeepTheKeyUnvalidated() throws Exception {
        Forgery f = new Forgery();
        String entry = f.entry("DATA", "tickets");
        f.setText(entry, f.text(entry).replaceFirst("\\(1,2,'pompe 1',1\\)", "(1,9999,'pompe 1',1)"));
        f.write();
        restoreFails(InvalidArchiveException.class, "foreign_key_check", "tickets_user_id_fkey",
                "allowForeignKeyViolations");
        service.restore(id, RestoreOptions.builder().allowForeignKeyViolations(true).build());
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT convalidated FROM pg_constraint WHERE conname = 'tickets_user_id_fkey'")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isFalse();
        }
    }

    @Test
    void aLiveSchemaWithFunctionsIsNotReplaced() throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION touch() RETURNS integer LANGUAGE sql AS 'SELECT 1'");
        }
        liveDump = PgTestKit.catalogIdentity(db, "public");
        Throwable thrown = catchThrowable(() -> service.restore(id, RestoreOptions.builder().build()));
        assertThat(thrown).isInstanceOf(BackupException.class).hasMessageContaining("function touch");
        assertThat(PgTestKit.catalogIdentity(db, "public")).isEqualTo(liveDump);
        assertThat(PgTestKit.content(db, "public")).isEqualTo(liveContent);
        assertThat(RestoreRoundTripTest.schemas(pool)).isEqualTo(schemas);
    }

    @Test
    void aLiveSchemaWithViewsElsewhereThatDependOnItIsNotReplaced() throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA reports");
            s.execute("CREATE VIEW reports.busy AS SELECT user_id, count(*) FROM public.tickets GROUP BY user_id");
        }
        liveDump = PgTestKit.catalogIdentity(db, "public");
        schemas = RestoreRoundTripTest.schemas(pool);
        Throwable thrown = catchThrowable(() -> service.restore(id, RestoreOptions.builder().build()));
        assertThat(thrown).isInstanceOf(BackupException.class).hasMessageContaining("view reports.busy");
        assertThat(PgTestKit.catalogIdentity(db, "public")).isEqualTo(liveDump);
        assertThat(PgTestKit.catalogIdentity(db, "reports")).contains("busy");
        assertThat(service.list().stream().map(BackupInfo::id).toList()).isEqualTo(listing);
    }
}
