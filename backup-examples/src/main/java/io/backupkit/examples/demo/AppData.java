package io.backupkit.examples.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The maintenance app's queries: tickets with their timers and countdowns, comments, messages, users. */
final class AppData {

    /**
     * A ticket as the pages and the API show it.
     *
     * @param timerStartedAt          epoch ms the running timer started at; null when paused
     * @param timerAccumulatedSeconds seconds counted before that start
     * @param elapsedSeconds          the timer's value at {@code serverNow}
     * @param deadlineAt              the countdown's end, epoch ms; null when none
     */
    record Ticket(long id, String title, String description, long machineId, String machine, String status,
                  String priority, String reporter, Long timerStartedAt, long timerAccumulatedSeconds,
                  long elapsedSeconds, boolean running, Long deadlineAt, boolean overdue, long createdAt,
                  long serverNow) {
    }

    record Comment(long id, long ticketId, String author, String body, long createdAt) {
    }

    record Message(long id, String sender, String body, String mediaPath, String mediaType, long createdAt) {
    }

    record User(long id, String email, String fullName, String role, String passwordHash) {
    }

    record Setting(String key, String value, long updatedAt) {
    }

    record Machine(long id, String label) {
    }

    private static final String TICKET_SELECT = "SELECT t.id, t.title, t.description, t.machine_id, "
            + "m.machine_type || ' ' || coalesce(m.model, ''), t.status, t.priority, u.full_name, t.timer_started_at, "
            + "t.timer_accumulated_seconds, t.deadline_at, t.is_overdue, t.created_at FROM tickets t "
            + "JOIN machines m ON m.id = t.machine_id JOIN users u ON u.id = t.reported_by";

    private final DataSource pool;

    AppData(DataSource pool) {
        this.pool = pool;
    }

    List<Ticket> tickets(int limit) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement(TICKET_SELECT + " ORDER BY t.id DESC LIMIT ?")) {
            ps.setInt(1, limit);
            return readTickets(ps);
        }
    }

    Optional<Ticket> ticket(long id) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(TICKET_SELECT
                + " WHERE t.id = ?")) {
            ps.setLong(1, id);
            return readTickets(ps).stream().findFirst();
        }
    }

    private static List<Ticket> readTickets(PreparedStatement ps) throws SQLException {
        long now = AppDatabase.nowMillis();
        List<Ticket> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long started = rs.getLong(9);
                Long startedAt = rs.wasNull() ? null : started;
                long accumulated = rs.getLong(10);
                long elapsed = accumulated + (startedAt == null ? 0 : Math.max(0, (now - startedAt) / 1000));
                long deadline = rs.getLong(11);
                Long deadlineAt = rs.wasNull() ? null : deadline;
                out.add(new Ticket(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5).trim(),
                        rs.getString(6), rs.getString(7), rs.getString(8), startedAt, accumulated, elapsed,
                        startedAt != null, deadlineAt, rs.getInt(12) != 0, rs.getLong(13), now));
            }
        }
        return out;
    }

    long createTicket(String title, String description, long machineId, long reporter, Long deadlineAt)
            throws SQLException {
        long now = AppDatabase.nowMillis();
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO tickets "
                + "(title, description, machine_id, reported_by, status, deadline_at, created_at, updated_at) "
                + "VALUES (?,?,?,?,'received',?,?,?)", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, title);
            ps.setString(2, description);
            ps.setLong(3, machineId);
            ps.setLong(4, reporter);
            if (deadlineAt == null) {
                ps.setNull(5, java.sql.Types.INTEGER);
            } else {
                ps.setLong(5, deadlineAt);
            }
            ps.setLong(6, now);
            ps.setLong(7, now);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Starts a paused timer; false when it was already running. */
    boolean startTimer(long id) throws SQLException {
        long now = AppDatabase.nowMillis();
        return update("UPDATE tickets SET timer_started_at = ?, status = 'in_progress', updated_at = ? "
                + "WHERE id = ? AND timer_started_at IS NULL", now, now, id) > 0;
    }

    /** Pauses a running timer, adding the whole seconds it ran; false when it was not running. */
    boolean pauseTimer(long id) throws SQLException {
        long now = AppDatabase.nowMillis();
        return update("UPDATE tickets SET timer_accumulated_seconds = timer_accumulated_seconds "
                + "+ max(0, (? - timer_started_at) / 1000), timer_started_at = NULL, updated_at = ? "
                + "WHERE id = ? AND timer_started_at IS NOT NULL", now, now, id) > 0;
    }

    boolean deleteTicket(long id) throws SQLException {
        return update("DELETE FROM tickets WHERE id = ?", id) > 0;
    }

    boolean ticketExists(long id) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM tickets WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    List<Comment> comments(long ticketId) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT tc.id, "
                + "tc.ticket_id, u.full_name, tc.body, tc.created_at FROM ticket_comments tc JOIN users u "
                + "ON u.id = tc.user_id WHERE tc.ticket_id = ? ORDER BY tc.id")) {
            ps.setLong(1, ticketId);
            List<Comment> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Comment(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
                }
            }
            return out;
        }
    }

    long addComment(long ticketId, long userId, String body) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO "
                + "ticket_comments (ticket_id, user_id, body, created_at) VALUES (?,?,?,?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, ticketId);
            ps.setLong(2, userId);
            ps.setString(3, body);
            ps.setLong(4, AppDatabase.nowMillis());
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    List<Message> messages(int limit) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT m.id, "
                + "u.full_name, m.body, m.media_path, m.media_type, m.created_at FROM messages m JOIN users u "
                + "ON u.id = m.sender_id ORDER BY m.id DESC LIMIT ?")) {
            ps.setInt(1, limit);
            List<Message> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Message(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getLong(6)));
                }
            }
            return out;
        }
    }

    long addMessage(long senderId, String body, String mediaPath, String mediaType) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO messages "
                + "(sender_id, body, media_path, media_type, created_at) VALUES (?,?,?,?,?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, senderId);
            ps.setString(2, body);
            ps.setString(3, mediaPath);
            ps.setString(4, mediaType);
            ps.setLong(5, AppDatabase.nowMillis());
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    Optional<User> userByEmail(String email) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id, email, full_name, role, password_hash FROM users WHERE email = ?")) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new User(rs.getLong(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5))) : Optional.empty();
            }
        }
    }

    List<Machine> machines() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, machine_type || ' ' || coalesce(model,'') || ' — ' "
                     + "|| coalesce(location,'') FROM machines ORDER BY id")) {
            List<Machine> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Machine(rs.getLong(1), rs.getString(2)));
            }
            return out;
        }
    }

    List<Setting> settings() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT key, value, updated_at FROM system_settings ORDER BY key")) {
            List<Setting> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Setting(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
            return out;
        }
    }

    long count(String table) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private int update(String sql, Object... args) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }
}
