package io.backupkit.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user's central demand: a backup, a full restore and an undo, started from the settings API
 * while five users keep working over HTTP, fail no request, never reset or disturb a running timer,
 * and leave every countdown's deadline where it was.
 */
class DoesNotDisturbTest {

    @TempDir
    Path data;

    private DemoServer server;

    @BeforeEach
    void start() throws Exception {
        server = DemoServer.start(new DemoServer.Config(data, 0, "pw", null, Duration.ofMillis(300)));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** One sample of a ticket's timer as the API reports it. */
    private record Sample(long at, long elapsed, Long startedAt, String phase) {
    }

    @Test
    void backupRestoreAndUndoDoNotDisturbUsersTimersOrCountdowns() throws Exception {
        int port = server.port();
        DemoClient admin = DemoClient.login(port, "admin@demo.local", "pw");
        Map<Long, Long> deadlines = deadlines(admin);
        assertThat(deadlines).hasSizeGreaterThanOrEqualTo(AppDatabase.SEEDED_TICKETS);

        // Two running timers: one keeps running throughout, the other is paused after the backup.
        List<JsonNode> runningTickets = new ArrayList<>();
        for (JsonNode t : admin.get("/api/tickets").json()) {
            if (t.get("running").asBoolean() && t.get("id").asLong() <= AppDatabase.SEEDED_TICKETS) {
                runningTickets.add(t);
            }
        }
        assertThat(runningTickets).hasSizeGreaterThanOrEqualTo(2);
        long steady = runningTickets.get(0).get("id").asLong();
        long steadyStart = runningTickets.get(0).get("timerStartedAt").asLong();
        long paused = runningTickets.get(1).get("id").asLong();
        long pausedStart = runningTickets.get(1).get("timerStartedAt").asLong();
        long pausedAccumulated = runningTickets.get(1).get("timerAccumulatedSeconds").asLong();

        List<String> names = List.of("admin@demo.local", "manager@demo.local", "tech@demo.local", "tech2@demo.local",
                "operator@demo.local");
        List<DemoClient> users = new ArrayList<>();
        for (String n : names) {
            users.add(DemoClient.login(port, n, "pw"));
        }
        List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean watching = new AtomicBoolean(true);
        List<String> watcherErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        String[] phase = {"idle"};
        DemoClient watcherClient = DemoClient.login(port, "tech@demo.local", "pw");
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                try {
                    DemoClient.Response r = watcherClient.get("/api/tickets/" + steady);
                    if (!r.ok()) {
                        watcherErrors.add("HTTP " + r.status() + " " + r.body());
                    } else {
                        JsonNode t = r.json();
                        samples.add(new Sample(t.get("serverNow").asLong(), t.get("elapsedSeconds").asLong(),
                                t.get("timerStartedAt").isNull() ? null : t.get("timerStartedAt").asLong(), phase[0]));
                    }
                    Thread.sleep(100);
                } catch (Exception e) {
                    watcherErrors.add(e.toString());
                }
            }
        }, "timer-watcher");

        // A countdown that runs out right away: the background task marks it overdue, through it all.
        JsonNode due = admin.postJson("/api/tickets", Map.of("title", "Échéance immédiate", "machineId", 1,
                "deadlineMinutes", 0)).json();
        long dueId = due.get("id").asLong();
        long dueDeadline = due.get("deadlineAt").asLong();

        LoadGenerator load = new LoadGenerator(users, names, 10);
        try {
            load.start();
            watcher.start();
            Thread.sleep(1500);

            setPhase(load, phase, "backup");
            JsonNode backup = admin.runJob("/api/admin/backups", null);
            assertThat(backup.get("state").asText()).as(backup.toString()).isEqualTo("SUCCEEDED");
            assertThat(backup.get("progress").get("percent").asInt()).isEqualTo(100);
            String backupId = backup.get("result").get("id").asText();

            setPhase(load, phase, "after-backup");
            Thread.sleep(1000);
            JsonNode pause = admin.post("/api/tickets/" + paused + "/timer/pause").json();
            long elapsedAtPause = pause.get("ticket").get("elapsedSeconds").asLong();
            assertThat(pause.get("ticket").get("running").asBoolean()).isFalse();
            Thread.sleep(1500);
            Set<Long> createdBeforeRestore = new HashSet<>(load.createdTickets());
            assertThat(createdBeforeRestore).isNotEmpty();
            // The preview says what the restore will remove: the tickets created since the backup.
            JsonNode preview = admin.post("/api/admin/backups/" + backupId + "/preview").json();
            JsonNode ticketsPreview = null;
            for (JsonNode t : preview.get("tables")) {
                if (t.get("table").asText().equals("tickets")) {
                    ticketsPreview = t;
                }
            }
            assertThat(ticketsPreview).isNotNull();
            assertThat(ticketsPreview.get("lostRows").asLong()).isPositive();
            assertThat(preview.get("summary").asText()).contains("remove");

            setPhase(load, phase, "restore");
            JsonNode restore = admin.runJob("/api/admin/backups/" + backupId + "/restore", Map.of("confirm", "RESTAURER"));
            assertThat(restore.get("state").asText()).as(restore.toString()).isEqualTo("SUCCEEDED");
            setPhase(load, phase, "after-restore");

            // The timer paused after the backup runs again, from its stored start: not reset, and
            // counting the time it ran before the pause and since.
            JsonNode p = admin.get("/api/tickets/" + paused).json();
            assertThat(p.get("running").asBoolean()).isTrue();
            assertThat(p.get("timerStartedAt").asLong()).isEqualTo(pausedStart);
            long expected = pausedAccumulated + (p.get("serverNow").asLong() - pausedStart) / 1000;
            assertThat(p.get("elapsedSeconds").asLong()).isEqualTo(expected).isGreaterThan(elapsedAtPause);
            // Deadlines after the restore are those of the backup, which are those of the seed.
            assertThat(deadlines(admin)).containsAllEntriesOf(deadlines);
            Thread.sleep(1500);

            setPhase(load, phase, "undo");
            JsonNode undo = admin.runJob("/api/admin/restore/undo", null);
            assertThat(undo.get("state").asText()).as(undo.toString()).isEqualTo("SUCCEEDED");
            setPhase(load, phase, "after-undo");
            Thread.sleep(1500);

            // Undo brings back the tickets created before the restore, and the pause.
            for (long id : createdBeforeRestore) {
                assertThat(admin.get("/api/tickets/" + id).status()).as("ticket %d after the undo", id).isEqualTo(200);
            }
            JsonNode undone = admin.get("/api/tickets/" + paused).json();
            assertThat(undone.get("running").asBoolean()).isFalse();
            assertThat(undone.get("elapsedSeconds").asLong()).isEqualTo(elapsedAtPause);
        } finally {
            load.close();
            watching.set(false);
            watcher.join(10_000);
        }

        // Zero failed requests, from the users, the watcher and the background activity.
        assertThat(load.failures()).isEmpty();
        assertThat(load.latencies().keySet()).contains("idle", "backup", "restore", "undo");
        assertThat(load.requests()).isGreaterThan(100);
        assertThat(watcherErrors).isEmpty();
        assertThat(server.liveFailures()).isZero();
        assertThat(server.liveTicks()).isGreaterThan(10);

        // The steady timer: same stored start in every sample, elapsed never going back, and equal
        // to the time since its start in every phase.
        assertThat(samples).hasSizeGreaterThan(30);
        Set<String> phases = new HashSet<>();
        long previous = -1;
        for (Sample s : samples) {
            phases.add(s.phase());
            assertThat(s.startedAt()).as("stored start at %s", s).isEqualTo(steadyStart);
            assertThat(s.elapsed()).as("elapsed never goes back: %s", s).isGreaterThanOrEqualTo(previous);
            previous = s.elapsed();
        }
        assertThat(phases).contains("backup", "restore", "undo", "after-undo");
        assertThat(deadlines(admin)).containsAllEntriesOf(deadlines);
        JsonNode overdue = admin.get("/api/tickets/" + dueId).json();
        assertThat(overdue.get("deadlineAt").asLong()).isEqualTo(dueDeadline);
        assertThat(overdue.get("overdue").asBoolean()).isTrue();
    }

    private static void setPhase(LoadGenerator load, String[] holder, String name) {
        holder[0] = name;
        load.phase(name);
    }

    /** The seeded tickets' deadlines, one by one (the list shows only the newest tickets). */
    private static Map<Long, Long> deadlines(DemoClient c) throws Exception {
        Map<Long, Long> out = new HashMap<>();
        for (long id = 1; id <= AppDatabase.SEEDED_TICKETS; id++) {
            JsonNode t = c.get("/api/tickets/" + id).json();
            if (!t.get("deadlineAt").isNull()) {
                out.put(id, t.get("deadlineAt").asLong());
            }
        }
        return out;
    }

}
