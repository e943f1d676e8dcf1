package io.backupkit;

import java.util.List;
import java.util.Objects;

/**
 * Per-call settings for one backup.
 *
 * <pre>{@code
 * service.backup(BackupRequest.labelled("before-upgrade").withListener(progressBar));
 * }</pre>
 *
 * @param labels   labels stored in the manifest and the listing
 * @param listener receives this backup's progress, in addition to the service's listener
 */
public record BackupRequest(List<String> labels, ProgressListener listener) {
    public BackupRequest {
        labels = List.copyOf(labels);
        for (String label : labels) {
            if (label.isBlank() || label.length() > 200 || label.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("a label must be 1 to 200 printable characters");
            }
        }
        Objects.requireNonNull(listener, "listener");
    }

    /** No labels, no extra listener. */
    public static BackupRequest defaults() {
        return new BackupRequest(List.of(), ProgressListener.none());
    }

    /** The given labels. */
    public static BackupRequest labelled(String... labels) {
        return new BackupRequest(List.of(labels), ProgressListener.none());
    }

    /** This request with a progress listener. */
    public BackupRequest withListener(ProgressListener listener) {
        return new BackupRequest(labels, listener);
    }
}
