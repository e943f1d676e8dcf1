package io.backupkit.examples.demo;

import io.backupkit.AuditRecord;
import io.backupkit.AuditVerification;
import io.backupkit.BackupInfo;
import io.backupkit.Job;
import io.backupkit.JobProgress;
import io.backupkit.BackupManifest;
import io.backupkit.BackupStatus;
import io.backupkit.RestorePreview;
import io.backupkit.RestoreResult;
import io.backupkit.SelectiveRestoreResult;
import io.backupkit.TablePreview;
import io.backupkit.VerificationResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the backup API. */
final class BackupViews {

    private final DemoKeys keys;
    private final String schedule;

    BackupViews(DemoKeys keys, String schedule) {
        this.keys = keys;
        this.schedule = schedule;
    }

    Map<String, Object> status(BackupStatus s, List<Job<?>> jobs) {
        Job<?> active = jobs.stream().filter(j -> !j.state().isFinal()).findFirst().orElse(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lastBackup", s.lastBackup() == null ? null : info(s.lastBackup()));
        m.put("lastBackupAgeSeconds", s.lastBackupAge() == null ? null : s.lastBackupAge().toSeconds());
        m.put("backupsKept", s.backupsKept());
        m.put("storeBytes", s.storeBytes());
        m.put("lastFailure", s.lastFailure());
        m.put("lastFailureAt", s.lastFailureAt());
        m.put("nextRun", s.nextRun());
        m.put("incidents", s.incidents());
        m.put("schedule", schedule);
        m.put("activeJob", active == null ? null : job(active));
        m.put("keys", Map.of(
                "encryption", Map.of("algorithm", "age X25519", "fingerprint", keys.encryptionFingerprint()),
                "signing", Map.of("algorithm", "Ed25519", "fingerprint", keys.signingFingerprint()),
                "identity", "dossier de données (démo)"));
        return m;
    }

    List<Map<String, Object>> list(List<BackupInfo> backups) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = backups.size() - 1; i >= 0; i--) {
            out.add(info(backups.get(i)));
        }
        return out;
    }

    Map<String, Object> info(BackupInfo b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("createdAt", b.createdAt());
        m.put("sizeBytes", b.sizeBytes());
        m.put("tableCount", b.tableCount());
        m.put("totalRows", b.totalRows());
        m.put("encrypted", b.encrypted());
        m.put("labels", b.labels());
        m.put("verified", b.verification());
        return m;
    }

    Map<String, Object> job(Job<?> j) {
        Map<String, Object> m = new LinkedHashMap<>();
        JobProgress p = j.progress();
        m.put("id", j.id());
        m.put("kind", j.kind());
        m.put("state", j.state());
        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("phase", p.phase() == null ? "QUEUED" : p.phase().name());
        progress.put("table", p.table());
        progress.put("rows", p.rowsDone());
        progress.put("rowsTotal", p.rowsTotal());
        progress.put("bytes", p.bytes());
        progress.put("percent", p.percent());
        progress.put("etaSeconds", p.eta() == null ? null : p.eta().toSeconds());
        m.put("progress", progress);
        m.put("backupId", j.backupId().orElse(null));
        m.put("submittedAt", j.submittedAt());
        m.put("finishedAt", p.finishedAt());
        Object r = j.result().orElse(null);
        if (r instanceof BackupManifest manifest) {
            m.put("result", Map.of("id", manifest.id(), "totalRows", manifest.totalRows(),
                    "tables", manifest.tables().size(), "mediaMissing", manifest.mediaMissing().size()));
        } else if (r instanceof RestoreResult restore) {
            m.put("result", restoreResult(restore));
        } else if (r instanceof VerificationResult v) {
            m.put("result", Map.of("ok", v.ok(), "problems", v.problems(), "entriesChecked", v.entriesChecked()));
        }
        // The library's stable code (wrong_key, invalid_archive, rate_limited, cancelled...) lets the
        // page tell a wrong key from a damaged archive.
        m.put("error", j.error().map(e -> Map.of("error", e, "code", j.errorCode().orElse("job_failed"))).orElse(null));
        return m;
    }

    Map<String, Object> audit(List<AuditRecord> records, AuditVerification verification) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AuditRecord r : records) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", r.seq());
            m.put("at", r.time());
            m.put("actor", r.actorId());
            m.put("roles", r.roles());
            m.put("remoteAddress", r.remoteAddress());
            m.put("operation", r.operation());
            m.put("backupId", r.backupId());
            m.put("outcome", r.outcome());
            m.put("detail", r.detail());
            m.put("durationMillis", r.duration().toMillis());
            out.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", true);
        m.put("records", out);
        if (verification != null) {
            m.put("verification", Map.of("intact", verification.intact(), "recordsChecked",
                    verification.recordsChecked(), "message", verification.message()));
        }
        return m;
    }

    Map<String, Object> preview(RestorePreview p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backupId", p.backupId());
        m.put("snapshotAt", p.snapshotAt());
        m.put("ageSeconds", p.age().toSeconds());
        m.put("summary", p.summary());
        m.put("lostRows", p.lostRows());
        List<Map<String, Object>> tables = new ArrayList<>();
        for (TablePreview t : p.tables()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("table", t.table());
            row.put("backupRows", t.backupRows());
            row.put("liveRows", t.liveRows());
            row.put("lostRows", t.lostRows());
            row.put("changedRows", t.changedRows());
            row.put("addedRows", t.addedRows());
            tables.add(row);
        }
        m.put("tables", tables);
        m.put("tablesOnlyLive", p.tablesOnlyLive());
        m.put("tablesOnlyInBackup", p.tablesOnlyInBackup());
        m.put("columnChanges", p.columnChanges());
        return m;
    }

    Map<String, Object> restoreResult(RestoreResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backupId", r.backupId());
        m.put("safetyBackupId", r.safetyBackupId());
        m.put("rows", r.rows());
        m.put("writePauseMillis", r.writePause().toMillis());
        m.put("durationMillis", r.duration().toMillis());
        return m;
    }

    Map<String, Object> selective(SelectiveRestoreResult r) {
        Map<String, Object> counts = new LinkedHashMap<>();
        for (SelectiveRestoreResult.Action a : SelectiveRestoreResult.Action.values()) {
            counts.put(a.name(), r.count(a));
        }
        return Map.of("backupId", r.backupId(), "counts", counts, "rows", r.rows());
    }
}
