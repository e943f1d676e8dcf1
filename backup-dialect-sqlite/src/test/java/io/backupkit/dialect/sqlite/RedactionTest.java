package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.Compression;
import io.backupkit.LocalFolderStore;
import io.backupkit.RedactionRecord;
import io.backupkit.RedactionRules;
import io.backupkit.internal.ArchiveReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redaction rules applied while rows stream: what the export holds after each kind of rule, that
 * keyed hashes keep joins working, and that the manifest records the rules but never the key.
 */
class RedactionTest {

    private static final byte[] KEY = "redaction-key-0123456789-abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "another-key-for-hmac-0123456789".getBytes(StandardCharsets.US_ASCII);
    private static final int USERS = 50;
    private static final int ORDERS = 200;

    @TempDir
    Path dir;

    private Path db;
    private int backups;

    @BeforeEach
    void database() throws Exception {
        db = dir.resolve("app.db");
        FaultTestKit.exec(db,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, full_name TEXT, password_hash TEXT, "
                        + "phone TEXT)",
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_email TEXT NOT NULL, amount INTEGER NOT NULL)",
                "CREATE INDEX idx_orders_email ON orders(customer_email)",
                "CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), token TEXT NOT NULL)",
                "CREATE INDEX idx_sessions_token ON sessions(token)",
                "CREATE TRIGGER sessions_touch AFTER INSERT ON sessions BEGIN "
                        + "UPDATE users SET phone = phone WHERE id = NEW.user_id; END",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + USERS + ") "
                        + "INSERT INTO users SELECT i, CASE WHEN i = 7 THEN NULL ELSE 'user' || i || '@example.com' END, "
                        + "'Name ' || i, 'hash-secret-' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE '+33 6 ' || i END FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + ORDERS + ") "
                        + "INSERT INTO orders SELECT i, 'user' || (1 + i % " + USERS + ") || '@example.com', i * 10 FROM n",
                "INSERT INTO sessions VALUES (1, 1, 'SESSIONTOKEN-aaa'), (2, 2, 'SESSIONTOKEN-bbb')");
    }

    private RedactionRules rules(byte[] key) {
        return RedactionRules.builder()
                .excludeTable("sessions")
                .setNull("users", "password_hash")
                .fixed("users", "phone", "000-0000")
                .hmac("users", "email", key)
                .hmac("orders", "customer_email", key)
                .custom("users", "full_name", (table, column, value) -> value == null ? null
                        : table + "." + column + ":" + value.toString().length())
                .build();
    }

    private BackupService service(RedactionRules rules) {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .store(LocalFolderStore.at(dir.resolve("store")))
                .redaction(rules)
                .options(io.backupkit.BackupOptions.builder().compression(Compression.zstd(3)).build())
                .build();
    }

    private record Exported(BackupManifest manifest, String sql, Path restored) {
    }

    private Exported backupAndRestore(RedactionRules rules) throws Exception {
        BackupService service = service(rules);
        BackupManifest manifest = service.backup();
        assertThat(service.verify(manifest.id()).ok()).isTrue();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        service.exportSql(manifest.id(), out);
        Path script = Files.write(dir.resolve("export-" + backups + ".sql"), out.toByteArray());
        Path restored = FaultTestKit.sqlite3Load(script, dir.resolve("restored-" + backups++ + ".db"));
        return new Exported(manifest, out.toString(StandardCharsets.UTF_8), restored);
    }

    @Test
    void anExcludedTableLeavesNoRowsIndexesOrTriggersInTheExport() throws Exception {
        Exported e = backupAndRestore(rules(KEY));

        assertThat(e.sql()).doesNotContain("SESSIONTOKEN", "idx_sessions_token", "sessions_touch",
                "CREATE TABLE sessions");
        assertThat(FaultTestKit.queryLong(e.restored(), "SELECT count(*) FROM sqlite_schema WHERE tbl_name = 'sessions'"))
                .isZero();
        assertThat(FaultTestKit.queryLong(e.restored(),
                "SELECT count(*) FROM sqlite_schema WHERE name IN ('idx_orders_email', 'users', 'orders')")).isEqualTo(3);
        assertThat(e.manifest().tables()).extracting(t -> t.name()).containsExactlyInAnyOrder("users", "orders");
        assertThat(e.manifest().entries()).noneSatisfy(entry -> assertThat(entry.name()).contains("sessions"));
        assertThat(e.manifest().redactions()).contains(new RedactionRecord("sessions", null, "exclude-table"));
    }

    @Test
    void setNullFixedAndCustomRulesRewriteTheirColumns() throws Exception {
        Exported e = backupAndRestore(rules(KEY));

        assertThat(e.sql()).doesNotContain("hash-secret", "Name 1", "+33 6");
        Map<Long, List<Object>> users = rows(e.restored(), "SELECT id, password_hash, phone, full_name FROM users");
        assertThat(users).hasSize(USERS);
        users.forEach((id, row) -> {
            assertThat(row.get(0)).as("password_hash of user %s", id).isNull();
            assertThat(row.get(1)).as("phone of user %s (NULL stays NULL)", id).isEqualTo(id % 3 == 0 ? null : "000-0000");
            assertThat(row.get(2)).as("full_name of user %s", id)
                    .isEqualTo("users.full_name:" + ("Name " + id).length());
        });
        // Columns without rules are untouched.
        assertThat(FaultTestKit.queryLong(e.restored(), "SELECT sum(amount) FROM orders"))
                .isEqualTo(FaultTestKit.queryLong(db, "SELECT sum(amount) FROM orders"));
    }

    @Test
    void hmacIsTheKeyedHashOfTheValueSoJoinsStillMatch() throws Exception {
        Exported e = backupAndRestore(rules(KEY));

        Map<Long, List<Object>> users = rows(e.restored(), "SELECT id, email FROM users");
        users.forEach((id, row) -> assertThat(row.get(0)).as("email of user %s", id)
                .isEqualTo(id == 7 ? null : hmac(KEY, "user" + id + "@example.com")));
        assertThat(e.sql()).doesNotContain("@example.com");
        String join = "SELECT count(*) FROM orders o JOIN users u ON u.email = o.customer_email";
        assertThat(FaultTestKit.queryLong(e.restored(), join)).isEqualTo(FaultTestKit.queryLong(db, join)).isPositive();
        assertThat(FaultTestKit.queryLong(e.restored(), "SELECT count(DISTINCT email) FROM users"))
                .isEqualTo(USERS - 1);
    }

    @Test
    void hmacIsStableAcrossBackupsWithTheSameKeyAndDiffersWithAnotherKey() throws Exception {
        Exported first = backupAndRestore(rules(KEY));
        Exported second = backupAndRestore(rules(KEY));
        Exported otherKey = backupAndRestore(rules(OTHER_KEY));

        assertThat(second.manifest().id()).isNotEqualTo(first.manifest().id());
        assertThat(second.sql()).as("the same data and key give the same export").isEqualTo(first.sql());
        Map<Long, List<Object>> a = rows(first.restored(), "SELECT id, email FROM users");
        Map<Long, List<Object>> b = rows(otherKey.restored(), "SELECT id, email FROM users");
        a.forEach((id, row) -> {
            if (row.get(0) != null) {
                assertThat(b.get(id).get(0)).as("email of user %s under another key", id).isNotEqualTo(row.get(0));
            }
        });
        String join = "SELECT count(*) FROM orders o JOIN users u ON u.email = o.customer_email";
        assertThat(FaultTestKit.queryLong(otherKey.restored(), join)).isEqualTo(FaultTestKit.queryLong(db, join));
    }

    @Test
    void theManifestRecordsEveryRuleButNeverTheKeyOrTheReplacedValues() throws Exception {
        Exported e = backupAndRestore(rules(KEY));

        assertThat(e.manifest().redactions()).containsExactlyInAnyOrder(
                new RedactionRecord("sessions", null, "exclude-table"),
                new RedactionRecord("users", "password_hash", "null"),
                new RedactionRecord("users", "phone", "fixed"),
                new RedactionRecord("users", "email", "hmac-sha256"),
                new RedactionRecord("orders", "customer_email", "hmac-sha256"),
                new RedactionRecord("users", "full_name", "custom"));
        String id = e.manifest().id();
        Path store = dir.resolve("store");
        List<byte[]> stored = new ArrayList<>();
        stored.add(Files.readAllBytes(store.resolve(id + ".json")));
        try (InputStream in = Files.newInputStream(store.resolve(id + ".tar.zst"))) {
            ArchiveReader.read(in, Compression.Algorithm.ZSTD, (name, size, content) -> stored.add(content.readAllBytes()));
        }
        String manifestJson = new String(stored.get(stored.size() - 1), StandardCharsets.UTF_8);
        assertThat(manifestJson).contains("hmac-sha256", "exclude-table", "password_hash");
        List<String> secrets = List.of(new String(KEY, StandardCharsets.US_ASCII), HexFormat.of().formatHex(KEY),
                Base64.getEncoder().encodeToString(KEY), "hash-secret", "SESSIONTOKEN");
        for (byte[] object : stored) {
            String text = new String(object, StandardCharsets.ISO_8859_1);
            for (String secret : secrets) {
                assertThat(text).as("stored bytes must not contain %s", secret).doesNotContain(secret);
            }
        }
    }

    private static String hmac(byte[] key, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows by their first column (the id), each holding the remaining columns. */
    private static Map<Long, List<Object>> rows(Path db, String sql) throws Exception {
        Map<Long, List<Object>> rows = new LinkedHashMap<>();
        try (Connection c = FaultTestKit.dataSource(db).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 2; i <= columns; i++) {
                    row.add(rs.getObject(i));
                }
                rows.put(rs.getLong(1), row);
            }
        }
        return rows;
    }
}
