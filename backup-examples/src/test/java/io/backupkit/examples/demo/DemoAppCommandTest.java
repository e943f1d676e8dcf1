package io.backupkit.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command as a user runs it, in its own JVM: options, the ready line and the logins, a working
 * login with {@code --demo-password}, and a clean stop on SIGINT (Ctrl-C), leaving a sound database.
 */
class DemoAppCommandTest {

    @TempDir
    Path data;

    @Test
    void startsPrintsTheLoginsAndStopsCleanly() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DemoApp.class.getName(),
                "--port", "0", "--data", data.toString(), "--demo-password", "s3cret-demo")
                .redirectErrorStream(true).start();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                lines.add("(output closed: " + e.getMessage() + ")");
            }
        }, "demo-output");
        reader.start();
        try {
            Pattern ready = Pattern.compile("Demo ready at http://127\\.0\\.0\\.1:(\\d+)");
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && !String.join("\n", lines).contains("Data (")) {
                Thread.sleep(100);
            }
            String all = String.join("\n", lines);
            Matcher m = ready.matcher(all);
            assertThat(m.find()).as(all).isTrue();
            port = Integer.parseInt(m.group(1));
            assertThat(all).contains("admin@demo.local", "super_admin", "manager@demo.local", "admin",
                    "tech@demo.local", "technician", "s3cret-demo");
            assertThat(all).contains("backup-age-identity.txt (mode 600)", "backup-signing.pem (mode 600)");

            DemoClient admin = DemoClient.login(port, "admin@demo.local", "s3cret-demo");
            assertThat(admin.get("/api/admin/backup/status").status()).isEqualTo(200);
            assertThat(admin.runJob("/api/admin/backups", null).get("state").asText()).isEqualTo("SUCCEEDED");

            // SIGINT is what Ctrl-C sends; the shutdown hook closes the scheduler, the server and the pool.
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
            reader.join(10_000);
        } finally {
            p.destroyForcibly();
        }
        String all = String.join("\n", lines);
        assertThat(all).contains("Stopping the demo...").doesNotContain("Exception");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("app.db"));
             ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("ok");
        }
    }

    @Test
    void aBadOptionIsAUsageError() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DemoApp.class.getName(), "--port", "http")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("--port must be a number", "usage:");
    }
}
