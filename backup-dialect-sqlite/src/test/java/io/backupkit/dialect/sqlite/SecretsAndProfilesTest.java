package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.backupkit.AgeIdentity;
import io.backupkit.BackupException;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.RedactionRecord;
import io.backupkit.RedactionRules;
import io.backupkit.RestoreOptions;
import io.backupkit.RestorePreview;
import io.backupkit.SigningKeys;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 §7: secret patterns (never exported, recorded in the manifest), the "full" and "export
 * for sharing" profiles, and the explicit flag a redacted backup needs before it replaces live data.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecretsAndProfilesTest {

    @TempDir
    Path dir;

    private Path live;
    private Path storeFolder;
    private Path temp;

    @BeforeEach
    void setUp() throws Exception {
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
        storeFolder = dir.resolve("store");
        temp = Files.createDirectories(dir.resolve("tmp"));
        FaultTestKit.exec(live,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, "
                        + "phone TEXT, reset_token TEXT UNIQUE, login_count INTEGER, name TEXT NOT NULL)",
                "CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), value TEXT)",
                "CREATE TABLE settings (key TEXT PRIMARY KEY, client_secret TEXT NOT NULL, smtp_password TEXT, "
                        + "Webhook_Token INTEGER NOT NULL UNIQUE, note TEXT) STRICT",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
                        + "INSERT INTO users SELECT i, 'person' || i || '@example.com', '$argon2id$HASH' || i, "
                        + "CASE WHEN i % 5 = 0 THEN NULL ELSE '+1 555 01' || i END, "
                        + "CASE WHEN i % 2 = 0 THEN 'RESETTOKEN' || i END, i, 'Person ' || i FROM n",
                "INSERT INTO api_tokens VALUES (1, 1, 'APITOKENVALUE1'), (2, 2, 'APITOKENVALUE2')",
                "INSERT INTO settings VALUES ('mail', 'CLIENTSECRETVALUE', 'SMTPPASSWORDVALUE', 987654, 'a note'),"
                        + " ('other', 'CLIENTSECRETVALUE2', NULL, 987655, NULL)");
    }

    private BackupService.Builder builder(Path db) {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeFolder))
                .options(BackupOptions.builder().tempDirectory(temp).build());
    }

    private static String exported(BackupService service, String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        service.exportSql(id, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Restores into a database file that does not exist yet (no live data, so no flag is needed). */
    private Path restoreIntoNewFile(String id, String name) throws Exception {
        Path target = Files.createDirectories(dir.resolve(name)).resolve("app.db");
        builder(target).build().restore(id, RestoreOptions.builder().build());
        return target;
    }

    @Test
    void secretTablesAndColumnsAreNeverExportedByDefaultAndTheManifestSaysSo() throws Exception {
        BackupService service = builder(live).build();
        BackupManifest manifest = service.backup();

        assertThat(manifest.redactions()).containsExactlyInAnyOrder(
                new RedactionRecord("api_tokens", null, "secret-table"),
                new RedactionRecord("users", "reset_token", "secret"),
                new RedactionRecord("settings", "client_secret", "secret"),
                new RedactionRecord("settings", "smtp_password", "secret"),
                new RedactionRecord("settings", "Webhook_Token", "secret"));
        String sql = exported(service, manifest.id());
        assertThat(sql).doesNotContain("RESETTOKEN", "APITOKENVALUE", "CLIENTSECRETVALUE", "SMTPPASSWORDVALUE",
                "987654", "api_tokens");
        // what is not secret is kept: the full data otherwise, password hashes included
        assertThat(sql).contains("$argon2id$HASH7", "person7@example.com", "+1 555 017", "a note");

        // the schema is whole and the placeholders load: NOT NULL, UNIQUE and STRICT INTEGER columns
        Path restored = restoreIntoNewFile(manifest.id(), "r1");
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(DISTINCT reset_token) FROM users")).isEqualTo(25);
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(*) FROM users WHERE reset_token IS NULL")).isEqualTo(25);
        assertThat(FaultTestKit.queryLong(restored,
                "SELECT count(*) FROM users WHERE reset_token LIKE 'RESETTOKEN%'")).isZero();
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(*) FROM settings WHERE typeof(Webhook_Token) = "
                + "'integer' AND Webhook_Token NOT IN (987654, 987655)")).isEqualTo(2);
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(*) FROM settings WHERE smtp_password IS NULL"))
                .isEqualTo(1);
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(*) FROM sqlite_schema WHERE name = 'api_tokens'"))
                .isZero();
        assertThat(FaultTestKit.queryString(restored, "SELECT password_hash FROM users WHERE id = 7"))
                .isEqualTo("$argon2id$HASH7");
    }

    @Test
    void withoutSecretPatternsEverythingIsExported() throws Exception {
        BackupService service = builder(live).redaction(RedactionRules.builder().secretPatterns(List.of()).build())
                .build();
        BackupManifest manifest = service.backup();

        assertThat(manifest.redactions()).isEmpty();
        assertThat(exported(service, manifest.id())).contains("RESETTOKEN4", "APITOKENVALUE1", "CLIENTSECRETVALUE");
    }

    @Test
    void customSecretPatternsReplaceTheDefaults() throws Exception {
        BackupService service = builder(live).redaction(RedactionRules.builder().secretPatterns(List.of("NOTE", "api_*"))
                .build()).build();
        BackupManifest manifest = service.backup();

        assertThat(manifest.redactions()).containsExactlyInAnyOrder(
                new RedactionRecord("api_tokens", null, "secret-table"),
                new RedactionRecord("settings", "note", "secret"));
        String sql = exported(service, manifest.id());
        assertThat(sql).doesNotContain("a note", "APITOKENVALUE").contains("RESETTOKEN4", "CLIENTSECRETVALUE");
    }

    @Test
    void theSharingProfileMasksPasswordHashesEmailsAndPhones() throws Exception {
        BackupService service = builder(live).redaction(RedactionRules.sharingProfile()).build();
        BackupManifest manifest = service.backup();

        assertThat(manifest.labels()).contains("profile:sharing");
        assertThat(manifest.redactions()).contains(
                new RedactionRecord("users", "password_hash", "fixed"),
                new RedactionRecord("users", "email", "hmac-sha256"),
                new RedactionRecord("users", "phone", "hmac-sha256"),
                new RedactionRecord("users", "reset_token", "secret"),
                new RedactionRecord("api_tokens", null, "secret-table"));
        String sql = exported(service, manifest.id());
        assertThat(sql).doesNotContain("$argon2id", "@example.com", "+1 555", "RESETTOKEN", "APITOKEN", "CLIENTSECRET")
                .contains("!redacted", "Person 7");

        Path restored = restoreIntoNewFile(manifest.id(), "r2");
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(DISTINCT email) FROM users")).isEqualTo(50);
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(*) FROM users WHERE length(email) = 64")).isEqualTo(50);
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(*) FROM users WHERE phone IS NULL")).isEqualTo(10);
        assertThat(FaultTestKit.queryLong(restored, "SELECT count(*) FROM users WHERE password_hash = '!redacted'"))
                .isEqualTo(50);
    }

    @Test
    void theFullProfileRefusesToWriteAPlainBackup() throws Exception {
        Throwable thrown = catchThrowable(() -> builder(live).redaction(RedactionRules.fullProfile()).build().backup());

        assertThat(thrown).isInstanceOf(BackupException.class).hasMessageContaining("full profile")
                .hasMessageContaining("encryptTo");
        assertThat(FaultTestKit.everythingIn(storeFolder)).isEmpty();
    }

    @Test
    void theFullProfileEncryptsAndKeepsPasswordHashes() throws Exception {
        AgeIdentity identity = AgeIdentity.generate();
        KeyPair signing = SigningKeys.generate();
        BackupService service = builder(live).redaction(RedactionRules.fullProfile())
                .encryptTo(identity.recipients()).signWith(signing.getPrivate())
                .trustedKeys(List.of(signing.getPublic())).build();
        BackupManifest manifest = service.backup();

        assertThat(manifest.labels()).contains("profile:full");
        assertThat(service.info(manifest.id()).encrypted()).isTrue();
        String sql = exported(service.withIdentity(identity), manifest.id());
        assertThat(sql).contains("$argon2id$HASH7", "person7@example.com").doesNotContain("RESETTOKEN");
    }

    @Test
    void restoringARedactedBackupOverLiveDataNeedsTheFlagAndThePreviewWarns() throws Exception {
        BackupService sharing = builder(live).redaction(RedactionRules.sharingProfile()).build();
        String id = sharing.backup().id();
        List<String> dumpBefore = FaultTestKit.sortedDump(live);
        String liveSha = RestoreTestKit.sha256(live);

        RestorePreview preview = sharing.preview(id);
        assertThat(preview.redacted()).isTrue();
        assertThat(preview.warnings()).singleElement().asString().contains("redacted", "users.password_hash fixed",
                "allowRedacted");
        assertThat(preview.summary()).contains("Warning", "allowRedacted");

        Throwable thrown = catchThrowable(() -> sharing.restore(id, RestoreOptions.builder().build()));
        assertThat(thrown).isInstanceOf(BackupException.class).hasMessageContaining("is redacted")
                .hasMessageContaining("allowRedacted(true)");
        assertThat(RestoreTestKit.sha256(live)).isEqualTo(liveSha);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).isEmpty();
        assertThat(RestoreTestKit.labelled(sharing, RestoreOptions.PRE_RESTORE_LABEL)).isEmpty();

        sharing.restore(id, RestoreOptions.builder().allowRedacted(true).build());
        assertThat(FaultTestKit.queryString(live, "SELECT password_hash FROM users WHERE id = 7")).isEqualTo("!redacted");

        // the safety backup was complete (not redacted), so undo gives back every hash and secret
        assertThat(sharing.info(RestoreTestKit.labelled(sharing, RestoreOptions.PRE_RESTORE_LABEL).get(0)).labels())
                .doesNotContain("profile:sharing");
        sharing.undoLastRestore(RestoreOptions.builder().build());
        assertThat(FaultTestKit.sortedDump(live)).isEqualTo(dumpBefore);
    }

    @Test
    void aSelectiveRestoreFromARedactedBackupNeedsTheFlagToo() throws Exception {
        BackupService sharing = builder(live).redaction(RedactionRules.sharingProfile()).build();
        String id = sharing.backup().id();
        FaultTestKit.exec(live, "DELETE FROM users WHERE id = 50");
        String liveSha = RestoreTestKit.sha256(live);

        Throwable thrown = catchThrowable(() -> sharing.restoreSelected(id, io.backupkit.Selection.rows("users", 50L)));
        assertThat(thrown).isInstanceOf(BackupException.class).hasMessageContaining("is redacted")
                .hasMessageContaining("Selection.allowRedacted(true)");
        assertThat(RestoreTestKit.sha256(live)).isEqualTo(liveSha);

        sharing.restoreSelected(id, io.backupkit.Selection.rows("users", 50L).allowRedacted(true));
        assertThat(FaultTestKit.queryString(live, "SELECT password_hash FROM users WHERE id = 50")).isEqualTo("!redacted");
        assertThat(FaultTestKit.queryString(live, "SELECT password_hash FROM users WHERE id = 49"))
                .isEqualTo("$argon2id$HASH49");
    }

    @Test
    void aBackupWithNothingRedactedRestoresWithoutTheFlag() throws Exception {
        BackupService service = builder(live).redaction(RedactionRules.none()).build();
        String id = service.backup().id();

        RestorePreview preview = service.preview(id);
        assertThat(preview.redacted()).isFalse();
        assertThat(preview.warnings()).isEmpty();
        service.restore(id, RestoreOptions.builder().build());
        assertThat(FaultTestKit.queryString(live, "SELECT value FROM api_tokens WHERE id = 1")).isEqualTo("APITOKENVALUE1");
    }
}
