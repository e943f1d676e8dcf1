package io.backupkit.examples.demo;

import static io.backupkit.examples.demo.Web.actor;

import io.backupkit.AccessDeniedException;
import io.backupkit.Actor;
import io.backupkit.AuditOutcome;
import io.backupkit.AuditRecord;
import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.LimitExceededException;
import io.backupkit.Operation;
import io.backupkit.RestoreOptions;
import io.backupkit.Selection;
import io.backupkit.VerifyDepth;
import io.backupkit.spi.AuditSink;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The super-admin's backup API behind the "Sauvegarde et Restauration" section. Every route
 * delegates to {@link BackupService} with the logged-in user as the {@link Actor}: the library's
 * access policy decides (403 for other roles) and its audit trail records. Long operations are jobs
 * that the page polls.
 */
final class BackupRoutes {

    /** What the person must type to confirm a full restore. */
    static final String CONFIRMATION = "RESTAURER";

    private final BackupService backups;
    private final Supplier<RestoreOptions> restoreOptions;
    private final BackupViews views;

    /**
     * @param backups        the service reading with the age identity (verify, preview, restore need it)
     * @param restoreOptions options with the pool's write gate, for full restores and undo
     */
    BackupRoutes(BackupService backups, Supplier<RestoreOptions> restoreOptions,
                 BackupViews views) {
        this.backups = backups;
        this.restoreOptions = restoreOptions;
        this.views = views;
    }

    void register(RoutesConfig r) {
        r.get("/api/admin/backup/status", ctx ->
                ctx.json(views.status(backups.status(actor(ctx)), backups.jobs())));

        r.get("/api/admin/backups", ctx -> ctx.json(views.list(backups.list(actor(ctx)))));

        r.get("/api/admin/backups/{id}", ctx -> ctx.json(views.info(backups.info(actor(ctx), ctx.pathParam("id")))));

        r.post("/api/admin/backups", ctx -> {
            String label = ctx.queryParam("label");
            BackupRequest request = label == null || label.isBlank() ? BackupRequest.labelled("manuelle")
                    : BackupRequest.labelled(label);
            ctx.status(HttpStatus.ACCEPTED).json(views.job(backups.startBackup(actor(ctx), request)));
        });

        r.get("/api/admin/backup/jobs/{id}", ctx -> {
            // 403 (audited) for a role that may not even read the status; then the library finds
            // the job only for its actor or someone the policy allows its operation.
            Actor actor = actor(ctx);
            requirePermitted(actor, Operation.STATUS, "job poll");
            ctx.json(views.job(backups.job(actor, ctx.pathParam("id"))
                    .orElseThrow(() -> ApiError.notFound("Tâche inconnue ou expirée."))));
        });

        r.post("/api/admin/backups/{id}/verify", ctx -> {
            VerifyDepth depth = "quick".equals(ctx.queryParam("depth")) ? VerifyDepth.QUICK : VerifyDepth.DEEP;
            ctx.status(HttpStatus.ACCEPTED).json(views.job(backups.startVerify(actor(ctx), ctx.pathParam("id"), depth)));
        });

        r.post("/api/admin/backups/{id}/preview", ctx ->
                ctx.json(views.preview(backups.preview(actor(ctx), ctx.pathParam("id")))));

        r.post("/api/admin/backups/{id}/restore", this::restore);

        r.post("/api/admin/restore/undo", ctx ->
                ctx.status(HttpStatus.ACCEPTED).json(views.job(backups.startUndo(actor(ctx), restoreOptions.get()))));

        r.get("/api/admin/backup/export", ctx -> {
            Actor actor = actor(ctx);
            BackupManifest manifest = backups.backup(actor, BackupRequest.labelled("export"));
            String name = backups.info(actor, manifest.id()).archiveName();
            ctx.contentType("application/octet-stream");
            ctx.header("Content-Disposition", "attachment; filename=\"" + name + "\"");
            backups.download(actor, manifest.id(), ctx.outputStream());
        });

        r.get("/api/admin/backups/{id}/archive", ctx -> {
            Actor actor = actor(ctx);
            String name = backups.info(actor, ctx.pathParam("id")).archiveName();
            ctx.contentType("application/octet-stream");
            ctx.header("Content-Disposition", "attachment; filename=\"" + name + "\"");
            backups.download(actor, ctx.pathParam("id"), ctx.outputStream());
        });

        r.get("/api/admin/backups/{id}/sidecar", ctx -> {
            // The sidecar (listing data and signature, no secret) goes with a downloaded archive
            // when it is uploaded again.
            Actor actor = actor(ctx);
            BackupInfo info = backups.info(actor, ctx.pathParam("id"));
            ctx.contentType("application/json");
            ctx.header("Content-Disposition", "attachment; filename=\"" + info.id() + ".json\"");
            backups.downloadSidecar(actor, info.id(), ctx.outputStream());
        });

        r.post("/api/admin/backups/upload", this::upload);

        r.get("/api/admin/backup/audit", ctx -> {
            Actor actor = actor(ctx);
            ctx.json(views.audit(backups.auditRecords(actor, AuditSink.Order.NEWEST_FIRST, AUDIT_PAGE),
                    "1".equals(ctx.queryParam("verify")) ? backups.verifyAudit(actor) : null));
        });
    }

    /** Room for the sidecar and the multipart framing beside the archive. */
    static final long UPLOAD_OVERHEAD = 1L << 20;

    /**
     * An archive and its sidecar, uploaded for a restore: refused with 413 before anything is read
     * when the request is larger than the library's cap, and with 411 when it declares no length
     * (chunked); otherwise streamed into the library's
     * import, which checks size, hash, signature and decryption before the backup is listed.
     */
    private void upload(Context ctx) throws IOException {
        Actor actor = actor(ctx);
        // Checked up front so that a refused user never gets to send a large body; the library
        // checks (and audits) again when it imports.
        requirePermitted(actor, Operation.UPLOAD, "upload");
        long cap = backups.catalog().limits().maxUploadBytes();
        long length = ctx.req().getContentLengthLong();
        if (length < 0) {
            // A chunked body has no length to refuse up front, and the multipart parser would spool
            // all of it before the library's cap could stop it; browsers always send a length.
            throw new ApiError(411, "length_required", "Envoyez le fichier avec sa taille (Content-Length).");
        }
        if (length > cap + UPLOAD_OVERHEAD) {
            throw new LimitExceededException("upload: ", LimitExceededException.Limit.UPLOAD_BYTES, cap, length);
        }
        UploadedFile sidecar = ctx.uploadedFile("sidecar");
        UploadedFile archive = ctx.uploadedFile("archive");
        if (sidecar == null || archive == null || archive.size() == 0) {
            throw ApiError.badRequest("Joignez l'archive (.tar.zst.age) et son fichier .json.");
        }
        try (InputStream s = sidecar.content(); InputStream a = archive.content()) {
            // size, hash, signature, decryption and every entry checked while it streams; audited
            BackupInfo info = backups.importBackup(actor, s, a);
            ctx.status(HttpStatus.CREATED).json(views.info(info));
        }
    }

    /** How many audit records the page shows. */
    static final int AUDIT_PAGE = 100;

    /**
     * For the few checks the host makes itself (polling a job, an upload before its body is read): refuses
     * like the library would, and records the denial in the same audit trail.
     */
    private void requirePermitted(Actor actor, Operation operation, String what) {
        if (!backups.accessPolicy().permits(actor, operation)) {
            backups.auditSink().append(AuditRecord.unsealed(Instant.now(), actor, operation, null,
                    AuditOutcome.DENIED, what + " refused by the access policy", null, Duration.ZERO));
            throw new AccessDeniedException(actor.id(), operation);
        }
    }

    private void restore(Context ctx) {
        Actor actor = actor(ctx);
        String id = ctx.pathParam("id");
        Map<?, ?> body = ctx.body().isBlank() ? Map.of() : ctx.bodyAsClass(Map.class);
        Object ticket = body.get("ticket");
        if (ticket != null) {
            long number;
            try {
                number = Long.parseLong(ticket.toString());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("Numéro de ticket invalide.");
            }
            ctx.json(views.selective(backups.restoreSelected(actor, id,
                    Selection.rows("tickets", number).onConflict(Selection.Conflict.SKIP))));
            return;
        }
        if (!CONFIRMATION.equals(body.get("confirm"))) {
            throw new ApiError(400, "confirmation_required", "Tapez " + CONFIRMATION + " pour confirmer.");
        }
        ctx.status(HttpStatus.ACCEPTED).json(views.job(backups.startRestore(actor, id, restoreOptions.get())));
    }
}
