package io.backupkit.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The demo's HTTP contract: authentication, roles, CSRF, JSON errors, keys, uploads, export. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoApiTest {

    private Path data;

    private DemoServer server;
    private int port;

    /** Every admin route, as method and path. */
    private static final List<String[]> ADMIN_ROUTES = List.of(
            new String[] {"GET", "/api/admin/backup/export"},
            new String[] {"POST", "/api/admin/backups"},
            new String[] {"GET", "/api/admin/backups"},
            new String[] {"GET", "/api/admin/backups/20260101T000000000Z-abcdef"},
            new String[] {"POST", "/api/admin/backups/20260101T000000000Z-abcdef/verify"},
            new String[] {"POST", "/api/admin/backups/20260101T000000000Z-abcdef/preview"},
            new String[] {"POST", "/api/admin/backups/20260101T000000000Z-abcdef/restore"},
            new String[] {"POST", "/api/admin/backups/upload"},
            new String[] {"POST", "/api/admin/restore/undo"},
            new String[] {"GET", "/api/admin/backup/jobs/some-job"},
            new String[] {"GET", "/api/admin/backup/audit"},
            new String[] {"GET", "/api/admin/backup/status"});

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        data = dir;
        server = DemoServer.start(new DemoServer.Config(data, 0, "pw", null, Duration.ofSeconds(5)));
        port = server.port();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anonymousRequestsGet401JsonAndPagesRedirectToLogin() throws Exception {
        DemoClient anonymous = DemoClient.anonymous(port);
        for (String[] route : ADMIN_ROUTES) {
            DemoClient.Response r = send(anonymous, route);
            assertThat(r.status()).as("%s %s", route[0], route[1]).isEqualTo(401);
            assertThat(r.json().get("code").asText()).isEqualTo("unauthenticated");
            assertThat(r.json().get("error").asText()).isNotBlank();
        }
        assertThat(anonymous.get("/api/tickets").status()).isEqualTo(401);
        assertThat(anonymous.get("/settings").status()).isEqualTo(302);
    }

    @Test
    void otherRolesGet403FromEveryAdminRoute() throws Exception {
        int before = server.backups().list().size();
        for (String email : List.of("manager@demo.local", "tech@demo.local", "operator@demo.local")) {
            DemoClient c = DemoClient.login(port, email, "pw");
            for (String[] route : ADMIN_ROUTES) {
                DemoClient.Response r = send(c, route);
                assertThat(r.status()).as("%s %s %s: %s", email, route[0], route[1], r.body()).isEqualTo(403);
                assertThat(r.json().get("code").asText()).isEqualTo("access_denied");
            }
        }
        // Nothing was backed up by those attempts, and every denial is in the audit trail, including
        // the checks the host makes itself (job polling, upload).
        assertThat(server.backups().list()).hasSize(before);
        DemoClient admin = DemoClient.login(port, "admin@demo.local", "pw");
        JsonNode audit = admin.get("/api/admin/backup/audit").json();
        assertThat(audit.get("available").asBoolean()).isTrue();
        java.util.Set<String> denied = new java.util.HashSet<>();
        for (JsonNode r : audit.get("records")) {
            if (r.get("actor").asText().equals("tech@demo.local") && r.get("outcome").asText().equals("DENIED")) {
                denied.add(r.get("operation").asText());
            }
        }
        assertThat(denied).contains("BACKUP", "LIST", "STATUS", "VERIFY", "PREVIEW", "RESTORE", "UNDO",
                "UPLOAD", "AUDIT");
        assertThat(audit.toString()).doesNotContain("password").doesNotContain("AGE-SECRET-KEY");
        JsonNode verified = admin.get("/api/admin/backup/audit?verify=1").json().get("verification");
        assertThat(verified.get("intact").asBoolean()).as(verified.toString()).isTrue();
        assertThat(verified.get("recordsChecked").asLong()).isGreaterThan(30);
    }

    @Test
    void stateChangesWithoutTheCsrfTokenAreRefused() throws Exception {
        DemoClient admin = DemoClient.login(port, "admin@demo.local", "pw");
        HttpClient raw = HttpClient.newHttpClient();
        // The session cookie alone (as a cross-site form would send it, were it not SameSite) is not enough.
        String cookie = loginCookie(raw);
        HttpResponse<String> r = raw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/admin/backups")).header("Cookie", cookie).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"code\":\"csrf\"");
        HttpResponse<String> ok = raw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/admin/backup/status")).header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(admin.get("/api/me").json().get("role").asText()).isEqualTo("super_admin");
    }

    @Test
    void wrongPasswordIsRefused() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + port + "/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("email=admin%40demo.local&password=nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(r.body()).contains("Courriel ou mot de passe incorrect");
    }

    @Test
    void keysAreGeneratedWithMode600AndShownAsFingerprintsOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("keys"))))
                .isEqualTo("rwx------");
        for (String name : List.of("backup-age-identity.txt", "backup-signing.pem", "backup-signing.pub.pem")) {
            Path key = data.resolve("keys").resolve(name);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).as(name).isEqualTo("rw-------");
        }
        DemoClient admin = DemoClient.login(port, "admin@demo.local", "pw");
        String status = admin.get("/api/admin/backup/status").body();
        assertThat(status).contains("SHA256:");
        String identity = Files.readString(data.resolve("keys/backup-age-identity.txt"));
        String secret = identity.lines().filter(l -> l.startsWith("AGE-SECRET-KEY-")).findFirst().orElseThrow();
        assertThat(status).doesNotContain(secret).doesNotContain("age1");
    }

    @Test
    void exportStreamsAFreshEncryptedArchiveAndRestoreNeedsTheTypedConfirmation() throws Exception {
        DemoClient admin = DemoClient.login(port, "admin@demo.local", "pw");
        HttpResponse<byte[]> export = HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/admin/backup/export"))
                        .header("Cookie", loginCookie(HttpClient.newHttpClient())).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("Content-Disposition").orElseThrow()).contains(".tar.zst.age");
        assertThat(new String(export.body(), 0, 21, StandardCharsets.US_ASCII)).isEqualTo("age-encryption.org/v1");
        JsonNode list = admin.get("/api/admin/backups").json();
        String id = list.get(0).get("id").asText();
        assertThat(list.get(0).get("labels").toString()).contains("export");
        assertThat(list.get(0).get("sizeBytes").asLong()).isEqualTo(export.body().length);

        // One export an hour (the design's rate limit): the second gets 429 with Retry-After, as JSON.
        HttpResponse<String> again = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + port + "/api/admin/backup/export")).header("Cookie",
                loginCookie(HttpClient.newHttpClient())).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(again.headers().firstValue("Retry-After").orElseThrow())).isBetween(3000L, 3600L);
        assertThat(again.headers().firstValue("Content-Disposition")).isEmpty();
        assertThat(again.body()).contains("\"code\":\"rate_limited\"");

        DemoClient.Response refused = admin.postJson("/api/admin/backups/" + id + "/restore", Map.of("confirm", "oui"));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("code").asText()).isEqualTo("confirmation_required");
        DemoClient.Response badLabel = admin.post("/api/admin/backups?label=" + "x".repeat(201));
        assertThat(badLabel.status()).as(badLabel.body()).isEqualTo(400);
        assertThat(badLabel.json().get("code").asText()).isEqualTo("bad_request");
        DemoClient.Response badId = admin.post("/api/admin/backups/..%2F..%2Fapp.db/preview");
        assertThat(badId.status()).as(badId.body()).isIn(400, 404);
        DemoClient.Response missing = admin.post("/api/admin/backups/20260101T000000000Z-abcdef/preview");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("code").asText()).isEqualTo("not_found");

        JsonNode verify = admin.runJob("/api/admin/backups/" + id + "/verify", null);
        assertThat(verify.get("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(verify.get("result").get("ok").asBoolean()).isTrue();
        assertThat(admin.get("/api/admin/backups/" + id).json().get("verified").get("ok").asBoolean()).isTrue();
    }

    @Test
    void aTicketDeletedByMistakeComesBackWithItsComments() throws Exception {
        DemoClient admin = DemoClient.login(port, "admin@demo.local", "pw");
        long ticket = 7;
        int comments = admin.get("/api/tickets/" + ticket).status();
        assertThat(comments).isEqualTo(200);
        JsonNode backup = admin.runJob("/api/admin/backups", null);
        String id = backup.get("result").get("id").asText();
        assertThat(admin.delete("/api/tickets/" + ticket).status()).isEqualTo(204);
        assertThat(admin.get("/api/tickets/" + ticket).status()).isEqualTo(404);
        DemoClient tech = DemoClient.login(port, "tech@demo.local", "pw");
        assertThat(tech.delete("/api/tickets/8").status()).isEqualTo(403);

        DemoClient.Response r = admin.postJson("/api/admin/backups/" + id + "/restore", Map.of("ticket", ticket));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("counts").get("INSERTED").asLong()).isGreaterThanOrEqualTo(2);   // ticket + comments
        assertThat(admin.get("/api/tickets/" + ticket).status()).isEqualTo(200);
    }

    @Test
    void uploadsAcceptImagesAndAudioOnlyAndMediaCannotEscapeTheFolder() throws Exception {
        DemoClient tech = DemoClient.login(port, "tech@demo.local", "pw");
        DemoClient.Response image = tech.postMultipart("/api/messages", "body", "photo", "file", "p.png", "image/png",
                new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        assertThat(image.status()).isEqualTo(201);
        String path = image.json().get("mediaPath").asText();
        assertThat(data.resolve("media").resolve(path)).exists();
        assertThat(tech.get("/media/" + path).status()).isEqualTo(200);
        DemoClient.Response script = tech.postMultipart("/api/messages", "body", "x", "file", "x.html", "text/html",
                "<script>".getBytes(StandardCharsets.UTF_8));
        assertThat(script.status()).isEqualTo(415);
        assertThat(tech.get("/media/..%2F..%2Fkeys%2Fbackup-signing.pem").status()).isEqualTo(404);
        assertThat(tech.get("/media/%2E%2E/keys/backup-signing.pem").status()).isIn(400, 404);
    }

    @Test
    void anUploadedArchiveIsCheckedBeforeItIsListedAndThenPreviewed() throws Exception {
        DemoClient admin = DemoClient.login(port, "admin@demo.local", "pw");
        String id = admin.runJob("/api/admin/backups", null).get("result").get("id").asText();
        String archiveName = admin.get("/api/admin/backups/" + id).json().get("id").asText() + ".tar.zst.age";
        byte[] archive = Files.readAllBytes(data.resolve("backups").resolve(archiveName));
        byte[] sidecar = Files.readAllBytes(data.resolve("backups").resolve(id + ".json"));
        assertThat(admin.get("/api/admin/backups/" + id + "/sidecar").body())
                .isEqualTo(new String(sidecar, StandardCharsets.UTF_8));
        server.backups().delete(id);
        assertThat(admin.get("/api/admin/backups").body()).doesNotContain(id);

        // One flipped byte: refused, nothing listed, nothing left in the store.
        byte[] damaged = archive.clone();
        damaged[damaged.length / 2] ^= 1;
        DemoClient.Response bad = admin.postFiles("/api/admin/backups/upload", Map.of(
                "sidecar", new DemoClient.Part(id + ".json", "application/json", sidecar),
                "archive", new DemoClient.Part(archiveName, "application/octet-stream", damaged)));
        assertThat(bad.status()).as(bad.body()).isEqualTo(422);
        assertThat(bad.json().get("code").asText()).isEqualTo("invalid_archive");
        assertThat(admin.get("/api/admin/backups").body()).doesNotContain(id);
        try (var files = Files.list(data.resolve("backups"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(id));
        }

        DemoClient.Response ok = admin.postFiles("/api/admin/backups/upload", Map.of(
                "sidecar", new DemoClient.Part(id + ".json", "application/json", sidecar),
                "archive", new DemoClient.Part(archiveName, "application/octet-stream", archive)));
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        assertThat(ok.json().get("id").asText()).isEqualTo(id);
        assertThat(admin.get("/api/admin/backups").body()).contains(id);
        DemoClient.Response preview = admin.post("/api/admin/backups/" + id + "/preview");
        assertThat(preview.status()).as(preview.body()).isEqualTo(200);
        assertThat(preview.json().get("tables")).hasSize(7);

        String audit = admin.get("/api/admin/backup/audit").body();
        assertThat(audit).contains("\"operation\":\"UPLOAD\",\"backupId\":\"" + id + "\",\"outcome\":\"OK\"")
                .contains("\"operation\":\"UPLOAD\",\"backupId\":null,\"outcome\":\"INVALID\"");
    }

    @Test
    void anUploadOverTheCapIs413AndNothingIsStored(@TempDir Path other) throws Exception {
        try (DemoServer small = DemoServer.start(new DemoServer.Config(other, 0, "pw", null, Duration.ofSeconds(5))
                .withMaxUploadBytes(4096))) {
            DemoClient admin = DemoClient.login(small.port(), "admin@demo.local", "pw");
            String id = admin.runJob("/api/admin/backups", null).get("result").get("id").asText();
            Path archive = other.resolve("backups").resolve(id + ".tar.zst.age");
            byte[] sidecar = Files.readAllBytes(other.resolve("backups").resolve(id + ".json"));
            small.backups().delete(id);
            // The sidecar declares more than the cap: refused by the library before the archive is read.
            byte[] bytes = Files.exists(archive) ? Files.readAllBytes(archive) : new byte[0];
            DemoClient.Response declared = admin.postFiles("/api/admin/backups/upload", Map.of(
                    "sidecar", new DemoClient.Part(id + ".json", "application/json", sidecar),
                    "archive", new DemoClient.Part(id + ".tar.zst.age", "application/octet-stream",
                            bytes.length > 0 ? bytes : new byte[8192])));
            assertThat(declared.status()).as(declared.body()).isEqualTo(413);
            assertThat(declared.json().get("code").asText()).isEqualTo("too_large");
            // A request far over the cap: refused from its declared length, before any byte is read.
            assertThat(admin.postHeadersOnly("/api/admin/backups/upload", "multipart/form-data; boundary=x",
                    5L << 30)).isEqualTo(413);
            // A chunked request declares no length: refused before its body is read or spooled.
            assertThat(admin.postHeadersOnly("/api/admin/backups/upload", "multipart/form-data; boundary=x", -1))
                    .isEqualTo(411);
            assertThat(admin.get("/api/admin/backups").json()).isEmpty();
        }
    }

    private String loginCookie(HttpClient raw) throws Exception {
        HttpResponse<String> login = raw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("email=admin%40demo.local&password=pw")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(303);
        return login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    }

    private static DemoClient.Response send(DemoClient c, String[] route) throws Exception {
        return switch (route[0]) {
            case "GET" -> c.get(route[1]);
            case "POST" -> route[1].endsWith("/restore") ? c.postJson(route[1], Map.of("confirm", "RESTAURER"))
                    : c.post(route[1]);
            default -> throw new IllegalArgumentException(route[0]);
        };
    }
}
