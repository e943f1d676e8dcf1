package io.backupkit;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of checking a stored backup's checksums.
 *
 * @param id       the backup id
 * @param ok       true when the archive hash and every entry's hash and size match
 * @param problems one line per problem, each naming the entry; empty when ok
 * @param entriesChecked how many entries were read and hashed
 */
public record VerificationResult(String id, boolean ok, List<String> problems, int entriesChecked) {
    public VerificationResult {
        Objects.requireNonNull(id, "id");
        problems = List.copyOf(problems);
    }
}
