package io.backupkit;

/** What a {@link Job} does. */
public enum JobKind {
    /** {@link BackupService#startBackup(Actor, BackupRequest)}. */
    BACKUP,
    /** {@link BackupService#startRestore(Actor, String, RestoreOptions)}. */
    RESTORE,
    /** {@link BackupService#startUndo(Actor, RestoreOptions)}. */
    UNDO,
    /** {@link BackupService#startVerify(Actor, String, VerifyDepth)}. */
    VERIFY,
    /** {@link BackupService#startPreview(Actor, String)}. */
    PREVIEW
}
