package io.backupkit;

import java.util.List;
import java.util.Objects;

/**
 * What a full restore did with media files.
 *
 * @param restored   files written back (missing, or replaced in {@link MediaRestoreMode#OVERWRITE})
 * @param unchanged  files already present with the backed-up content
 * @param conflicts  files present with other content and left as they are ({@link MediaRestoreMode#MISSING_ONLY})
 * @param failed     files that could not be written, each with the reason; the database restore stands
 * @param bytes      bytes written
 */
public record MediaRestoreResult(List<String> restored, int unchanged, List<String> conflicts, List<String> failed,
                                 long bytes) {

    /** Nothing done: no media in the backup, no writable media source, or {@link MediaRestoreMode#SKIP}. */
    public static final MediaRestoreResult NONE = new MediaRestoreResult(List.of(), 0, List.of(), List.of(), 0);

    public MediaRestoreResult {
        restored = List.copyOf(Objects.requireNonNull(restored, "restored"));
        conflicts = List.copyOf(Objects.requireNonNull(conflicts, "conflicts"));
        failed = List.copyOf(Objects.requireNonNull(failed, "failed"));
    }
}
