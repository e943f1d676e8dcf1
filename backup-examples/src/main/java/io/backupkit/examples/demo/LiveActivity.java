package io.backupkit.examples.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a live maintenance app does on its own every few seconds: marks the tickets whose countdown
 * ran out as overdue, records a webhook notification for each, and stamps a heartbeat in
 * {@code system_settings}. It keeps running through backups and restores (a restore only makes it
 * wait for the write gate for a moment).
 */
final class LiveActivity implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveActivity.class);

    private final DataSource pool;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "live-activity");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    LiveActivity(DataSource pool) {
        this.pool = pool;
    }

    void start(Duration every) {
        executor.scheduleWithFixedDelay(this::tickSafely, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    long ticks() {
        return ticks.get();
    }

    long failures() {
        return failures.get();
    }

    private void tickSafely() {
        try {
            tick();
            ticks.incrementAndGet();
        } catch (SQLException | RuntimeException e) {
            failures.incrementAndGet();
            LOG.warn("the live activity tick failed: {}", e.toString());
        }
    }

    /** One round: overdue countdowns become notifications; one transaction. */
    void tick() throws SQLException {
        long now = AppDatabase.nowMillis();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<long[]> overdue = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT id, deadline_at FROM tickets WHERE is_overdue = 0 "
                        + "AND deadline_at IS NOT NULL AND deadline_at < ? AND status NOT IN ('completed','archived')")) {
                    ps.setLong(1, now);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            overdue.add(new long[] {rs.getLong(1), rs.getLong(2)});
                        }
                    }
                }
                try (PreparedStatement mark = c.prepareStatement(
                        "UPDATE tickets SET is_overdue = 1, updated_at = ? WHERE id = ?");
                     PreparedStatement note = c.prepareStatement("INSERT INTO webhook_notifications "
                             + "(ticket_id, event, payload, created_at) VALUES (?, 'ticket.overdue', ?, ?)")) {
                    for (long[] t : overdue) {
                        mark.setLong(1, now);
                        mark.setLong(2, t[0]);
                        mark.addBatch();
                        note.setLong(1, t[0]);
                        note.setString(2, "{\"ticket\":" + t[0] + ",\"deadline_at\":" + t[1] + "}");
                        note.setLong(3, now);
                        note.addBatch();
                    }
                    mark.executeBatch();
                    note.executeBatch();
                }
                try (PreparedStatement hb = c.prepareStatement("INSERT INTO system_settings (key, value, updated_at) "
                        + "VALUES ('live.heartbeat', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                        + "updated_at = excluded.updated_at")) {
                    hb.setString(1, Long.toString(now));
                    hb.setLong(2, now);
                    hb.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
