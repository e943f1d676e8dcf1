package io.backupkit;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a {@link RetentionPolicy} dry run: every backup, newest first, with whether it
 * stays and which rules keep it.
 *
 * @param decisions one per backup, newest first
 */
public record RetentionPlan(List<Decision> decisions) {

    /**
     * One backup's fate.
     *
     * @param backup  the backup
     * @param keep    whether it survives
     * @param reasons the rules that keep it, e.g. {@code daily 2025-11-13}; empty when it is deleted
     */
    public record Decision(BackupInfo backup, boolean keep, List<String> reasons) {
        public Decision {
            Objects.requireNonNull(backup, "backup");
            reasons = List.copyOf(reasons);
        }
    }

    public RetentionPlan {
        decisions = List.copyOf(decisions);
    }

    /** The backups that survive. */
    public List<BackupInfo> toKeep() {
        return decisions.stream().filter(Decision::keep).map(Decision::backup).toList();
    }

    /** The backups the policy deletes. */
    public List<BackupInfo> toDelete() {
        return decisions.stream().filter(d -> !d.keep()).map(Decision::backup).toList();
    }
}
