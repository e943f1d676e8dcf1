package io.backupkit.examples.demo;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Login sessions, held in memory (so a restore of the database never logs anyone out): a random
 * session id in an {@code HttpOnly; SameSite=Strict} cookie, and a per-session CSRF token that
 * every state-changing request must send back ({@code X-CSRF-Token} header or {@code _csrf} field).
 */
final class Sessions {

    static final String COOKIE = "demo_session";
    private static final Duration IDLE_TIMEOUT = Duration.ofHours(8);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A logged-in user. */
    record Session(String id, long userId, String email, String fullName, String role, String csrfToken,
                   Instant lastSeen) {
        boolean isSuperAdmin() {
            return role.equals("super_admin");
        }

        Session touched(Instant now) {
            return new Session(id, userId, email, fullName, role, csrfToken, now);
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    Session create(long userId, String email, String fullName, String role) {
        Session s = new Session(token(), userId, email, fullName, role, token(), Instant.now());
        sessions.put(s.id(), s);
        return s;
    }

    Optional<Session> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Instant now = Instant.now();
        Session s = sessions.computeIfPresent(id, (k, v) ->
                v.lastSeen().plus(IDLE_TIMEOUT).isBefore(now) ? null : v.touched(now));
        return Optional.ofNullable(s);
    }

    void remove(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    /** Whether {@code presented} is the session's CSRF token; constant time. */
    static boolean csrfMatches(Session session, String presented) {
        return presented != null && MessageDigest.isEqual(session.csrfToken().getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }

    private static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
