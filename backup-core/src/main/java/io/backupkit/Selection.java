package io.backupkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a selective restore brings back: whole tables, or chosen rows with everything that hangs
 * from them by foreign keys, merged into the live database without deleting anything else.
 *
 * <pre>{@code
 * // "Restore one ticket deleted by mistake": ticket 100 with its comments; missing parents
 * // (its machine, its reporter) come back too, existing ones are left alone.
 * SelectiveRestoreResult r = service.restoreSelected(id,
 *     Selection.rows("tickets", 100L).onConflict(Selection.Conflict.SKIP));
 * r.rows().forEach(System.out::println);
 *
 * // Whole tables, replaced by their backed-up content:
 * service.restoreSelected(id, Selection.tables("system_settings"));
 * }</pre>
 *
 * @param tables   tables whose whole content is replaced
 * @param rows     rows to bring back, by table, by primary-key value (single-column keys)
 * @param conflict what to do when a chosen row (or one of its descendants) exists live with other values
 * @param allowRedacted merge from a redacted backup (secrets left out, columns masked) anyway; without
 *                 it such a backup is refused, since its placeholders would land in the live data
 * @param mediaKeys the host's mapping from the merged rows to the media files they reference (names
 *                 as the media source lists them), whose missing files the restore puts back; {@code null}
 *                 for none (see {@link #withMedia(java.util.function.Function)})
 */
public record Selection(Set<String> tables, Map<String, List<Object>> rows, Conflict conflict, boolean allowRedacted,
                        java.util.function.Function<SelectiveRestoreResult, java.util.Collection<String>> mediaKeys) {

    /** What to do with a row that exists live with different values. */
    public enum Conflict {
        /** Keep the live row; report it as skipped. */
        SKIP,
        /** Replace the live row with the backed-up one. */
        OVERWRITE,
        /** Stop; nothing is changed. */
        FAIL
    }

    public Selection {
        tables = Set.copyOf(new LinkedHashSet<>(tables));
        Map<String, List<Object>> copy = new LinkedHashMap<>();
        rows.forEach((t, keys) -> copy.put(Objects.requireNonNull(t, "table"), List.copyOf(keys)));
        rows = Map.copyOf(copy);
        Objects.requireNonNull(conflict, "conflict");
        if (tables.isEmpty() && rows.isEmpty()) {
            throw new IllegalArgumentException("a selection needs at least one table or one row");
        }
        for (String t : tables) {
            if (rows.containsKey(t)) {
                throw new IllegalArgumentException("table " + t + " is selected whole and by rows");
            }
        }
    }

    /** A selection that refuses redacted backups. */
    public Selection(Set<String> tables, Map<String, List<Object>> rows, Conflict conflict) {
        this(tables, rows, conflict, false, null);
    }

    /** A selection without media. */
    public Selection(Set<String> tables, Map<String, List<Object>> rows, Conflict conflict, boolean allowRedacted) {
        this(tables, rows, conflict, allowRedacted, null);
    }

    /**
     * This selection putting back the media files of the rows it merges: after the merge the
     * library calls {@code mediaKeys} with the result (every row considered, with its key and what
     * happened to it), and the host answers with the media names those rows reference, for example
     * from a {@code messages.image_path} column it reads back. Of those, the files missing from the
     * service's media source are restored from the backup, checked like in a full restore; files
     * present are left as they are and nothing is deleted. The outcome is in
     * {@link SelectiveRestoreResult#media()}.
     *
     * <pre>{@code
     * Selection.rows("messages", 42).withMedia(result -> imagePathsOf(result.rows()))
     * }</pre>
     */
    public Selection withMedia(java.util.function.Function<SelectiveRestoreResult, java.util.Collection<String>> keys) {
        return new Selection(tables, rows, conflict, allowRedacted, Objects.requireNonNull(keys, "keys"));
    }

    /**
     * This selection merging from a redacted backup too: rows it brings back carry its
     * placeholders ({@code redacted-N}, masked emails and hashes) instead of the real values.
     */
    public Selection allowRedacted(boolean allow) {
        return new Selection(tables, rows, conflict, allow, mediaKeys);
    }

    /** Whole tables. */
    public static Selection tables(String... tables) {
        return new Selection(Set.of(tables), Map.of(), Conflict.FAIL);
    }

    /** Rows of one table by primary key, with their foreign-key descendants; conflicts fail by default. */
    public static Selection rows(String table, Object... keys) {
        if (keys.length == 0) {
            throw new IllegalArgumentException("give at least one primary-key value");
        }
        return new Selection(Set.of(), Map.of(table, List.of(keys)), Conflict.FAIL);
    }

    /** This selection plus rows of another table. */
    public Selection andRows(String table, Object... keys) {
        Map<String, List<Object>> more = new LinkedHashMap<>(rows);
        List<Object> list = new ArrayList<>(more.getOrDefault(table, List.of()));
        list.addAll(List.of(keys));
        more.put(table, list);
        return new Selection(tables, more, conflict, allowRedacted, mediaKeys);
    }

    /** This selection with another conflict policy. */
    public Selection onConflict(Conflict policy) {
        return new Selection(tables, rows, policy, allowRedacted, mediaKeys);
    }
}
