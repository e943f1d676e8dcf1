package io.backupkit.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.AccessDeniedException;
import io.backupkit.AccessPolicy;
import io.backupkit.BackupException;
import io.backupkit.BackupNotFoundException;
import io.backupkit.BackupOptions;
import io.backupkit.LimitExceededException;
import io.backupkit.SizeLimits;
import io.backupkit.BackupScheduler;
import io.backupkit.BackupService;
import io.backupkit.HikariWriteGate;
import io.backupkit.InvalidArchiveException;
import io.backupkit.LocalDirectoryMediaSource;
import io.backupkit.LocalFolderStore;
import io.backupkit.RateLimitedException;
import io.backupkit.RateLimits;
import io.backupkit.RestoreOptions;
import io.backupkit.RetentionPolicy;
import io.backupkit.SnapshotException;
import io.backupkit.StorageException;
import io.backupkit.WrongKeyException;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo maintenance application with backupkit wired in: the SQLite pool, the app's routes,
 * the background activity, the backup service (encrypted, signed, with media), its scheduler and
 * the super-admin's backup routes. {@link #start} brings it all up; {@link #close} stops it in
 * order (scheduler, web server, background activity, pool).
 */
public final class DemoServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoServer.class);

    /**
     * How to run the demo.
     *
     * @param dataDir       where the database, media, backups and keys live
     * @param port          the HTTP port on 127.0.0.1; 0 picks a free one
     * @param demoPassword  the password of every seeded user; null keeps them (or seeds {@value #DEFAULT_PASSWORD})
     * @param backupEvery   the scheduler's interval; null runs no scheduler
     * @param liveEvery     how often the background activity writes
     * @param maxUploadBytes the largest archive the settings page accepts for a restore
     */
    public record Config(Path dataDir, int port, String demoPassword, Duration backupEvery, Duration liveEvery,
                         long maxUploadBytes) {
        /** The default upload cap: 256 MiB. */
        public static final long DEFAULT_MAX_UPLOAD = 256L << 20;

        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(liveEvery, "liveEvery");
            if (maxUploadBytes < 1) {
                throw new IllegalArgumentException("maxUploadBytes must be positive");
            }
        }

        /** With the default upload cap. */
        public Config(Path dataDir, int port, String demoPassword, Duration backupEvery, Duration liveEvery) {
            this(dataDir, port, demoPassword, backupEvery, liveEvery, DEFAULT_MAX_UPLOAD);
        }

        /** This configuration with another upload cap. */
        public Config withMaxUploadBytes(long bytes) {
            return new Config(dataDir, port, demoPassword, backupEvery, liveEvery, bytes);
        }

        /** The command's defaults: port 7070, ./demo-data, a backup every 6 hours, activity every 2 s. */
        public static Config defaults() {
            return new Config(Path.of("demo-data"), 7070, null, Duration.ofHours(6), Duration.ofSeconds(2));
        }
    }

    /** The seeded users' password when {@code --demo-password} is not given. */
    public static final String DEFAULT_PASSWORD = "demo";

    private final Config config;
    private HikariDataSource pool;
    private BackupService backups;
    private BackupScheduler scheduler;
    private LiveActivity live;
    private Javalin app;
    private String passwordHint;

    private DemoServer(Config config) {
        this.config = config;
    }

    /** Starts the demo; the returned server is listening. */
    public static DemoServer start(Config config) throws IOException, SQLException {
        DemoServer server = new DemoServer(config);
        try {
            server.startAll();
        } catch (IOException | SQLException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void startAll() throws IOException, SQLException {
        Path data = config.dataDir().toAbsolutePath();
        Path media = data.resolve("media");
        Path store = data.resolve("backups");
        Files.createDirectories(media);
        Files.createDirectories(store);
        DemoKeys keys = DemoKeys.loadOrCreate(data);

        pool = AppDatabase.open(data.resolve("app.db"));
        AppDatabase.migrate(pool);
        boolean seeded = AppDatabase.seedIfEmpty(pool,
                config.demoPassword() != null ? config.demoPassword() : DEFAULT_PASSWORD);
        if (!seeded && config.demoPassword() != null) {
            AppDatabase.resetPasswords(pool, config.demoPassword());
        }
        passwordHint = config.demoPassword() != null ? config.demoPassword()
                : seeded ? DEFAULT_PASSWORD : "(unchanged since the first start; --demo-password PW resets it)";

        // ---- backupkit: the whole wiring a host needs --------------------------------------
        BackupService service = BackupService.builder()
                .dataSource(pool)                                        // the app's own pool
                .store(LocalFolderStore.at(store))
                .mediaSource(LocalDirectoryMediaSource.at(media))        // uploads go into the same archive
                .encryptTo(List.of(keys.recipient()))                     // age, while it streams
                .signWith(keys.signingKey())                              // Ed25519 over the archive and manifest
                .trustedKeys(List.of(keys.verifyKey()))                   // only our signatures are restored
                .accessPolicy(AccessPolicy.superAdminOnly())              // the default, said out loud
                .auditTrail(data.resolve("audit").resolve("backup-audit.jsonl"))   // hash-chained JSON Lines
                .rateLimits(RateLimits.defaults())                        // e.g. one export an hour, as designed
                .options(BackupOptions.builder()                          // uploads for a restore: at most this
                        .limits(SizeLimits.defaults().toBuilder().maxUploadBytes(config.maxUploadBytes()).build())
                        .build())
                .build();
        // Reading (verify, preview, restore, undo) needs the age identity. A real deployment keeps it
        // offline and supplies it when restoring; the demo reads it from the data folder.
        backups = service.withIdentity(keys.identity());
        if (config.backupEvery() != null) {
            scheduler = BackupScheduler.builder()
                    .service(backups)
                    .every(config.backupEvery())
                    .retention(RetentionPolicy.builder().keepLast(10).keepDaily(7).keepWeekly(4).build())
                    .build();
            scheduler.start();
        }
        BackupViews views = new BackupViews(keys, config.backupEvery() == null ? null
                : "toutes les " + config.backupEvery().toHours() + " h");
        HikariWriteGate gate = HikariWriteGate.of(pool);
        BackupRoutes backupRoutes = new BackupRoutes(backups,
                () -> RestoreOptions.builder().writeGate(gate).maxWritePause(Duration.ofSeconds(2)).build(), views);
        // -------------------------------------------------------------------------------------

        live = new LiveActivity(pool);
        live.start(config.liveEvery());
        Sessions sessions = new Sessions();
        AppRoutes appRoutes = new AppRoutes(new AppData(pool), sessions, media.toRealPath());
        app = Javalin.create(c -> configure(c, sessions, appRoutes, backupRoutes, config.maxUploadBytes()));
        app.start("127.0.0.1", config.port());
        LOG.info("backups in {}, media in {}, database {}", store, media, data.resolve("app.db"));
    }

    private static void configure(JavalinConfig c, Sessions sessions, AppRoutes appRoutes, BackupRoutes backupRoutes,
                                  long maxUpload) {
        c.startup.showJavalinBanner = false;
        c.jsonMapper(new JavalinJackson(new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS), false));
        c.staticFiles.add(sf -> {
            sf.hostedPath = "/static";
            sf.directory = "/demo/static";
            sf.location = Location.CLASSPATH;
        });
        // Parts above 1 MiB go to temporary files, not memory. The largest part allowed is an archive
        // upload; the message route enforces its own 10 MB and the upload route the library's cap.
        long largest = Math.max(maxUpload, AppRoutes.MAX_MEDIA_BYTES);
        c.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
        c.jetty.multipartConfig.maxFileSize(largest, SizeUnit.BYTES);
        c.jetty.multipartConfig.maxTotalRequestSize(largest + BackupRoutes.UPLOAD_OVERHEAD, SizeUnit.BYTES);
        c.routes.before(ctx -> {
            // No framing, no inline script, nothing from elsewhere.
            ctx.header("X-Frame-Options", "DENY");
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Referrer-Policy", "same-origin");
            ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' "
                    + "'unsafe-inline'; img-src 'self'; media-src 'self'; frame-ancestors 'none'; form-action 'self'");
        });
        c.routes.before(ctx -> authenticate(ctx, sessions));
        appRoutes.register(c.routes);
        backupRoutes.register(c.routes);

        c.routes.exception(ApiError.class, (e, ctx) -> fail(ctx, e.status(), e.code(), e.getMessage()));
        c.routes.exception(BackupException.class, (e, ctx) -> {
            int status = statusOf(e);
            if (status >= 500) {
                LOG.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.getMessage());
            }
            fail(ctx, status, codeOf(e), e.getMessage());
        });
        c.routes.exception(RateLimitedException.class, (e, ctx) -> {
            long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
            ctx.header("Retry-After", Long.toString(seconds));
            fail(ctx, 429, "rate_limited", "Trop de demandes : réessayez dans " + humanWait(seconds) + ". ("
                    + e.getMessage() + ")");
        });
        // The library's argument checks (a label too long, a malformed backup id) name what is wrong.
        c.routes.exception(IllegalArgumentException.class, (e, ctx) -> fail(ctx, 400, "bad_request", e.getMessage()));
        c.routes.exception(HttpResponseException.class, (e, ctx) ->
                fail(ctx, e.getStatus(), e.getStatus() == 413 ? "too_large" : "http_" + e.getStatus(), e.getMessage()));
        c.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            fail(ctx, 500, "internal_error", "Erreur interne ; voir le journal du serveur.");
        });
    }

    private static final Set<HandlerType> MUTATING = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH,
            HandlerType.DELETE);

    /** Session lookup, 401 or login redirect for anonymous requests, CSRF check on state changes. */
    private static void authenticate(Context ctx, Sessions sessions) {
        String path = ctx.path();
        if (path.startsWith("/static/") || path.equals("/favicon.ico")) {
            return;
        }
        Sessions.Session session = sessions.find(ctx.cookie(Sessions.COOKIE)).orElse(null);
        if (session != null) {
            ctx.attribute(Web.SESSION, session);
        }
        if (path.equals("/login")) {
            return;
        }
        if (session == null) {
            if (path.startsWith("/api/")) {
                throw new ApiError(401, "unauthenticated", "Connexion requise.");
            }
            ctx.redirect("/login");
            ctx.skipRemainingHandlers();
            return;
        }
        if (MUTATING.contains(ctx.method())) {
            String token = ctx.header("X-CSRF-Token");
            if (token == null && String.valueOf(ctx.contentType()).startsWith("application/x-www-form-urlencoded")) {
                token = ctx.formParam("_csrf");
            }
            if (!Sessions.csrfMatches(session, token)) {
                throw new ApiError(403, "csrf", "Jeton CSRF manquant ou invalide ; rechargez la page.");
            }
        }
    }

    private static void fail(Context ctx, int status, String code, String message) {
        if (ctx.path().startsWith("/api/")) {
            // A download that failed before its first byte is an error, not an attachment.
            ctx.res().setHeader("Content-Disposition", null);
            Web.error(ctx, status, code, message);
        } else {
            ctx.status(status).html("<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
                    + "<link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"page\">"
                    + "<section class=\"card\"><h1>Erreur " + status + "</h1><p>" + Web.esc(message)
                    + "</p><a class=\"btn\" href=\"/tickets\">Retour</a></section></main></body></html>");
        }
    }

    private static String humanWait(long seconds) {
        return seconds < 120 ? seconds + " s" : (seconds + 59) / 60 + " min";
    }

    static int statusOf(BackupException e) {
        if (e instanceof AccessDeniedException) {
            return 403;
        } else if (e instanceof BackupNotFoundException) {
            return 404;
        } else if (e instanceof LimitExceededException) {
            return 413;
        } else if (e instanceof WrongKeyException || e instanceof InvalidArchiveException) {
            return 422;
        } else if (e instanceof SnapshotException || e instanceof StorageException) {
            return 503;
        }
        return 500;
    }

    static String codeOf(BackupException e) {
        if (e instanceof AccessDeniedException) {
            return "access_denied";
        } else if (e instanceof BackupNotFoundException) {
            return "not_found";
        } else if (e instanceof LimitExceededException) {
            return "too_large";
        } else if (e instanceof WrongKeyException) {
            return "wrong_key";
        } else if (e instanceof InvalidArchiveException) {
            return "invalid_archive";
        } else if (e instanceof SnapshotException) {
            return "snapshot_failed";
        } else if (e instanceof StorageException) {
            return "storage_failed";
        }
        return "backup_failed";
    }

    /** What to print as the demo users' password. */
    String passwordHint() {
        return passwordHint;
    }

    /** The port the server listens on. */
    public int port() {
        return app.port();
    }

    /** The backup service (reading with the identity), for tests and the benchmark. */
    public BackupService backups() {
        return backups;
    }

    /** The application's pool. */
    public HikariDataSource pool() {
        return pool;
    }

    /** How many background activity rounds failed (0 in a healthy run). */
    public long liveFailures() {
        return live == null ? 0 : live.failures();
    }

    /** How many background activity rounds succeeded. */
    public long liveTicks() {
        return live == null ? 0 : live.ticks();
    }

    /** Stops the scheduler (waiting for a running backup), the web server, the activity, the pool. */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.close();
        }
        if (backups != null) {
            // A job past its point of no return (a restore's swap) refuses and finishes first.
            backups.jobs().forEach(io.backupkit.Job::cancel);
            for (io.backupkit.Job<?> job : backups.jobs()) {
                try {
                    job.await(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (app != null) {
            app.stop();
        }
        if (live != null) {
            live.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
