package io.backupkit.examples.demo;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The maintenance application itself: login, tickets with their timers and countdowns, comments,
 * messages with image and audio uploads, the settings page. Nothing here knows about backups.
 */
final class AppRoutes {

    static final long MAX_MEDIA_BYTES = 10L * 1024 * 1024;

    private final AppData data;
    private final Sessions sessions;
    private final Path mediaDir;

    AppRoutes(AppData data, Sessions sessions, Path mediaDir) {
        this.data = data;
        this.sessions = sessions;
        this.mediaDir = mediaDir;
    }

    void register(RoutesConfig r) {
        r.get("/", ctx -> ctx.redirect("/tickets"));
        r.get("/login", ctx -> ctx.html(Pages.login(null)));
        r.post("/login", this::login);
        r.post("/logout", ctx -> {
            sessions.remove(ctx.cookie(Sessions.COOKIE));
            ctx.header("Set-Cookie", Sessions.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
            ctx.redirect("/login");
        });
        r.get("/tickets", ctx -> ctx.html(Pages.tickets(Web.session(ctx), data.tickets(200), data.machines())));
        r.get("/tickets/{id}", ctx -> {
            long id = Web.pathLong(ctx, "id");
            AppData.Ticket t = data.ticket(id).orElseThrow(() -> ApiError.notFound("Ticket #" + id + " introuvable."));
            ctx.html(Pages.ticket(Web.session(ctx), t, data.comments(id)));
        });
        r.get("/messages", ctx -> ctx.html(Pages.messages(Web.session(ctx), data.messages(100))));
        r.get("/settings", ctx -> {
            Sessions.Session s = Web.session(ctx);
            if (!s.role().equals("super_admin") && !s.role().equals("admin")) {
                throw new ApiError(403, "forbidden", "Réservé aux administrateurs.");
            }
            ctx.html(Pages.settings(s, data.settings()));
        });
        r.get("/media/<path>", this::media);

        r.get("/api/me", ctx -> {
            Sessions.Session s = Web.session(ctx);
            ctx.json(Map.of("email", s.email(), "name", s.fullName(), "role", s.role(), "csrfToken", s.csrfToken()));
        });
        r.get("/api/tickets", ctx -> ctx.json(data.tickets(500)));
        r.get("/api/tickets/{id}", ctx -> {
            long id = Web.pathLong(ctx, "id");
            ctx.json(data.ticket(id).orElseThrow(() -> ApiError.notFound("Ticket #" + id + " introuvable.")));
        });
        r.post("/api/tickets", this::createTicket);
        r.post("/api/tickets/{id}/timer/start", ctx -> timer(ctx, true));
        r.post("/api/tickets/{id}/timer/pause", ctx -> timer(ctx, false));
        r.post("/api/tickets/{id}/comments", this::addComment);
        r.delete("/api/tickets/{id}", ctx -> {
            Sessions.Session s = Web.session(ctx);
            if (!s.role().equals("super_admin") && !s.role().equals("admin")) {
                throw new ApiError(403, "forbidden", "Seul un administrateur peut supprimer un ticket.");
            }
            long id = Web.pathLong(ctx, "id");
            if (!data.deleteTicket(id)) {
                throw ApiError.notFound("Ticket #" + id + " introuvable.");
            }
            ctx.status(HttpStatus.NO_CONTENT);
        });
        r.get("/api/messages", ctx -> ctx.json(data.messages(100)));
        r.post("/api/messages", this::sendMessage);
    }

    private void login(Context ctx) throws SQLException {
        String email = String.valueOf(ctx.formParam("email")).trim().toLowerCase(Locale.ROOT);
        String password = ctx.formParam("password");
        AppData.User user = data.userByEmail(email).orElse(null);
        // Hash even for an unknown email, so that timing does not tell which emails exist.
        boolean ok = Passwords.matches(password == null ? new char[0] : password.toCharArray(),
                user != null ? user.passwordHash() : Passwords.hash("timing".toCharArray()));
        if (user == null || !ok) {
            ctx.status(HttpStatus.UNAUTHORIZED).html(Pages.login("Courriel ou mot de passe incorrect."));
            return;
        }
        sessions.remove(ctx.cookie(Sessions.COOKIE));
        Sessions.Session s = sessions.create(user.id(), user.email(), user.fullName(), user.role());
        ctx.header("Set-Cookie", Sessions.COOKIE + "=" + s.id() + "; Path=/; HttpOnly; SameSite=Strict");
        ctx.redirect(user.role().equals("super_admin") ? "/settings" : "/tickets", HttpStatus.SEE_OTHER);
    }

    private void createTicket(Context ctx) throws SQLException {
        Sessions.Session s = Web.session(ctx);
        Map<String, Object> body = jsonBody(ctx);
        String title = text(body, "title", 200);
        long machineId = number(body, "machineId");
        Object minutes = body.get("deadlineMinutes");
        Long deadline = minutes == null ? null
                : AppDatabase.nowMillis() + 60_000L * Long.parseLong(minutes.toString());
        String description = body.get("description") == null ? "" : body.get("description").toString();
        long id;
        try {
            id = data.createTicket(title, description, machineId, s.userId(), deadline);
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("FOREIGN KEY")) {
                throw ApiError.badRequest("Machine #" + machineId + " inconnue.");
            }
            throw e;
        }
        ctx.status(HttpStatus.CREATED).json(data.ticket(id).orElseThrow());
    }

    private void timer(Context ctx, boolean start) throws SQLException {
        Web.session(ctx);
        long id = Web.pathLong(ctx, "id");
        boolean changed = start ? data.startTimer(id) : data.pauseTimer(id);
        AppData.Ticket t = data.ticket(id).orElseThrow(() -> ApiError.notFound("Ticket #" + id + " introuvable."));
        ctx.json(Map.of("changed", changed, "ticket", t));
    }

    private void addComment(Context ctx) throws SQLException {
        Sessions.Session s = Web.session(ctx);
        long id = Web.pathLong(ctx, "id");
        String body = text(jsonBody(ctx), "body", 2000);
        if (!data.ticketExists(id)) {
            throw ApiError.notFound("Ticket #" + id + " introuvable.");
        }
        long commentId = data.addComment(id, s.userId(), body);
        ctx.status(HttpStatus.CREATED).json(Map.of("id", commentId, "ticketId", id));
    }

    private void sendMessage(Context ctx) throws SQLException, IOException {
        Sessions.Session s = Web.session(ctx);
        String body = ctx.formParam("body") == null ? "" : ctx.formParam("body").trim();
        UploadedFile file = ctx.uploadedFile("file");
        String mediaPath = null;
        String mediaType = null;
        if (file != null && file.size() > 0) {
            mediaType = file.contentType() == null ? "" : file.contentType().toLowerCase(Locale.ROOT);
            if (!mediaType.startsWith("image/") && !mediaType.startsWith("audio/")) {
                throw new ApiError(415, "unsupported_media", "Seules les images et les messages audio sont acceptés.");
            }
            if (file.size() > MAX_MEDIA_BYTES) {
                throw new ApiError(413, "too_large", "Le fichier dépasse 10 Mo.");
            }
            mediaPath = store(file);
        }
        if (body.isEmpty() && mediaPath == null) {
            throw ApiError.badRequest("Message vide.");
        }
        if (body.length() > 2000) {
            throw ApiError.badRequest("Message trop long (2000 caractères au plus).");
        }
        // The file is on disk before the row that names it commits: a backup never holds a row
        // whose file it did not list.
        long id = data.addMessage(s.userId(), body, mediaPath, mediaType);
        ctx.status(HttpStatus.CREATED).json(Map.of("id", id, "mediaPath", mediaPath == null ? "" : mediaPath));
    }

    private String store(UploadedFile file) throws IOException {
        String ext = file.extension() == null ? "" : file.extension().toLowerCase(Locale.ROOT);
        if (!ext.matches("\\.[a-z0-9]{1,5}")) {
            ext = ".bin";
        }
        LocalDate today = LocalDate.now();
        String name = String.format("%d/%02d/%s%s", today.getYear(), today.getMonthValue(), UUID.randomUUID(), ext);
        Path target = mediaDir.resolve(name);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".part");
        try (InputStream in = file.content()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return name;
    }

    private void media(Context ctx) throws IOException {
        Web.session(ctx);
        Path file = mediaDir.resolve(ctx.pathParam("path")).normalize();
        if (!file.startsWith(mediaDir) || !Files.isRegularFile(file)) {
            throw ApiError.notFound("Fichier introuvable.");
        }
        String type = Files.probeContentType(file);
        ctx.contentType(type == null ? "application/octet-stream" : type);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.result(Files.newInputStream(file));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> jsonBody(Context ctx) {
        try {
            Map<String, Object> body = ctx.bodyAsClass(Map.class);
            if (body == null) {
                throw ApiError.badRequest("Corps JSON attendu.");
            }
            return body;
        } catch (RuntimeException e) {
            if (e instanceof ApiError a) {
                throw a;
            }
            throw ApiError.badRequest("Corps JSON invalide.");
        }
    }

    private static String text(Map<String, Object> body, String field, int max) {
        Object v = body.get(field);
        String s = v == null ? "" : v.toString().trim();
        if (s.isEmpty()) {
            throw ApiError.badRequest("Le champ « " + field + " » est obligatoire.");
        }
        if (s.length() > max) {
            throw ApiError.badRequest("Le champ « " + field + " » dépasse " + max + " caractères.");
        }
        return s;
    }

    private static long number(Map<String, Object> body, String field) {
        Object v = body.get(field);
        try {
            return Long.parseLong(String.valueOf(v));
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("Le champ « " + field + " » doit être un nombre.");
        }
    }
}
