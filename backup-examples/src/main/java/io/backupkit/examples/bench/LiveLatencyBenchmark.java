package io.backupkit.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.backupkit.examples.demo.DemoClient;
import io.backupkit.examples.demo.DemoServer;
import io.backupkit.examples.demo.LoadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * How much a backup, a full restore and an undo disturb the demo app's users: starts the demo,
 * grows its database, lets five users work over HTTP, then runs a backup, a restore and an undo
 * from the settings API, and prints the p50, p99 and max latency of the users' requests idle and
 * during each operation.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -f backup-examples exec:exec@latency-benchmark -Dbench.tickets=20000
 * </pre>
 */
public final class LiveLatencyBenchmark {

    private LiveLatencyBenchmark() {
    }

    /** Arguments: extra tickets (default 20000), users (default 5), think time ms (default 20), work folder. */
    public static void main(String[] args) throws Exception {
        int extraTickets = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int userCount = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        long think = args.length > 2 ? Long.parseLong(args[2]) : 20;
        Path work = Path.of(args.length > 3 ? args[3] : "target/bench-live").toAbsolutePath();
        deleteTree(work);
        Files.createDirectories(work);
        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).trim());
        try (DemoServer server = DemoServer.start(new DemoServer.Config(work, 0, "pw", null, Duration.ofSeconds(2)))) {
            grow(server, extraTickets);
            int port = server.port();
            DemoClient admin = DemoClient.login(port, "admin@demo.local", "pw");
            List<String> emails = List.of("admin@demo.local", "manager@demo.local", "tech@demo.local",
                    "tech2@demo.local", "operator@demo.local");
            List<DemoClient> users = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < userCount; i++) {
                String email = emails.get(i % emails.size());
                users.add(DemoClient.login(port, email, "pw"));
                names.add(email + "#" + i);
            }
            System.out.printf("database: %,d bytes, %d users, think time %d ms, java %s, %d cpus%n",
                    Files.size(work.resolve("app.db")) + Files.size(work.resolve("app.db-wal")), userCount, think,
                    System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            LoadGenerator load = new LoadGenerator(users, names, think);
            String backupId;
            long tBackup;
            long tRestore;
            long tUndo;
            JsonNode restore;
            JsonNode undo;
            try {
                load.phase("warm-up");
                load.start();
                Thread.sleep(10_000);     // warm-up (JIT), not counted
                load.phase("idle");
                Thread.sleep(8000);
                load.phase("backup");
                long t0 = System.nanoTime();
                JsonNode backup = admin.runJob("/api/admin/backups", null);
                tBackup = System.nanoTime() - t0;
                require(backup);
                backupId = backup.get("result").get("id").asText();
                load.phase("between");
                Thread.sleep(3000);
                load.phase("restore");
                t0 = System.nanoTime();
                restore = admin.runJob("/api/admin/backups/" + backupId + "/restore", Map.of("confirm", "RESTAURER"));
                tRestore = System.nanoTime() - t0;
                require(restore);
                load.phase("between");
                Thread.sleep(3000);
                load.phase("undo");
                t0 = System.nanoTime();
                undo = admin.runJob("/api/admin/restore/undo", null);
                tUndo = System.nanoTime() - t0;
                require(undo);
                load.phase("between");
                Thread.sleep(2000);
            } finally {
                load.close();
            }
            System.out.printf("backup %.2f s; restore %.2f s (writes held %d ms); undo %.2f s (writes held %d ms)%n",
                    tBackup / 1e9, tRestore / 1e9, restore.get("result").get("writePauseMillis").asLong(),
                    tUndo / 1e9, undo.get("result").get("writePauseMillis").asLong());
            System.out.printf("%-8s %9s %9s %9s %9s %9s%n", "phase", "requests", "p50 ms", "p99 ms", "max ms", "failed");
            Map<String, List<Long>> lat = load.latencies();
            for (String phase : List.of("idle", "backup", "restore", "undo")) {
                List<Long> l = new ArrayList<>(lat.getOrDefault(phase, List.of()));
                l.sort(Comparator.naturalOrder());
                long failed = load.failures().stream().filter(f -> f.phase().equals(phase)).count();
                System.out.printf("%-8s %9d %9.1f %9.1f %9.1f %9d%n", phase, l.size(), pct(l, 0.50), pct(l, 0.99),
                        l.isEmpty() ? 0 : l.get(l.size() - 1) / 1e6, failed);
            }
            System.out.println("failed requests in all: " + load.failures().size() + " of " + load.requests());
            load.failures().stream().limit(5).forEach(f -> System.out.println("  " + f));
        }
    }

    private static void require(JsonNode job) {
        if (!job.get("state").asText().equals("SUCCEEDED")) {
            throw new IllegalStateException("job failed: " + job);
        }
    }

    private static double pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
    }

    /** Adds tickets with three comments each, in one transaction, to give the operations some weight. */
    private static void grow(DemoServer server, int tickets) throws Exception {
        long now = System.currentTimeMillis();
        try (Connection c = server.pool().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement t = c.prepareStatement("INSERT INTO tickets (title, description, machine_id, "
                    + "reported_by, status, timer_accumulated_seconds, deadline_at, created_at, updated_at) "
                    + "VALUES (?,?,?,?,'completed',?,?,?,?)", java.sql.Statement.RETURN_GENERATED_KEYS);
                 PreparedStatement cm = c.prepareStatement("INSERT INTO ticket_comments (ticket_id, user_id, body, "
                         + "created_at) VALUES (?, ?, ?, ?)")) {
                for (int i = 0; i < tickets; i++) {
                    t.setString(1, "Intervention archivée n°" + i);
                    t.setString(2, "Remplacement de la courroie, réglage de la tension et essai à vide. ".repeat(3));
                    t.setInt(3, 1 + i % 6);
                    t.setInt(4, 1 + i % 5);
                    t.setLong(5, 600 + i % 7200);
                    t.setLong(6, now - 86_400_000L);
                    t.setLong(7, now - 86_400_000L * 30);
                    t.setLong(8, now - 86_400_000L * 29);
                    t.executeUpdate();
                    long id;
                    try (var keys = t.getGeneratedKeys()) {
                        keys.next();
                        id = keys.getLong(1);
                    }
                    for (int k = 0; k < 3; k++) {
                        cm.setLong(1, id);
                        cm.setInt(2, 1 + (i + k) % 5);
                        cm.setString(3, "Commentaire " + k + " : pièce remplacée, machine remise en service.");
                        cm.setLong(4, now - 86_400_000L * 29);
                        cm.executeUpdate();
                    }
                }
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
