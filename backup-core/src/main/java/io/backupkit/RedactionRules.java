package io.backupkit;

import io.backupkit.spi.Redactor;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What to leave out of or mask in backups, applied to each row as it streams.
 *
 * <p>Rules name tables and columns exactly as the database spells them. A rule that names a table
 * or column the database does not have fails the backup, so a typo never leaks the data it was
 * meant to hide. The manifest records which rules ran, never keys or replaced values.
 *
 * <pre>{@code
 * RedactionRules rules = RedactionRules.builder()
 *     .excludeTable("sessions")
 *     .setNull("users", "password_hash")
 *     .hmac("users", "email", secretKey)     // stable: equal inputs give equal outputs, so joins still match
 *     .fixed("users", "phone", "0000000000")
 *     .custom("users", "full_name", (table, column, value) -> "user")
 *     .build();
 * }</pre>
 */
public final class RedactionRules {

    private static final RedactionRules NONE = new RedactionRules(Set.of(), Map.of());

    private final Set<String> excludedTables;
    private final Map<String, Map<String, Rule>> columnRules;

    private RedactionRules(Set<String> excludedTables, Map<String, Map<String, Rule>> columnRules) {
        this.excludedTables = Set.copyOf(excludedTables);
        Map<String, Map<String, Rule>> copy = new LinkedHashMap<>();
        columnRules.forEach((t, m) -> copy.put(t, Map.copyOf(m)));
        this.columnRules = Map.copyOf(copy);
    }

    /** No redaction. */
    public static RedactionRules none() {
        return NONE;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether the table is left out of backups entirely. */
    public boolean excludes(String table) {
        return excludedTables.contains(table);
    }

    /** Tables left out. */
    public Set<String> excludedTables() {
        return excludedTables;
    }

    /** The columns of a table that a rule rewrites, by name. */
    public Map<String, Redactor> columnRedactors(String table) {
        Map<String, Rule> rules = columnRules.getOrDefault(table, Map.of());
        Map<String, Redactor> result = new LinkedHashMap<>();
        rules.forEach((column, rule) -> result.put(column, rule.redactor()));
        return result;
    }

    /** Every table that has column rules. */
    public Set<String> tablesWithColumnRules() {
        return columnRules.keySet();
    }

    /** The column a rule names, for validation against the schema. */
    public Set<String> columnsWithRules(String table) {
        return columnRules.getOrDefault(table, Map.of()).keySet();
    }

    /** Records of every rule, as written into manifests. */
    public List<RedactionRecord> records() {
        List<RedactionRecord> records = new ArrayList<>();
        excludedTables.stream().sorted().forEach(t -> records.add(new RedactionRecord(t, null, "exclude-table")));
        columnRules.keySet().stream().sorted().forEach(t -> columnRules.get(t).entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> records.add(new RedactionRecord(t, e.getKey(), e.getValue().action()))));
        return List.copyOf(records);
    }

    /** True when there are no rules. */
    public boolean isEmpty() {
        return excludedTables.isEmpty() && columnRules.isEmpty();
    }

    private record Rule(String action, Redactor redactor) {
    }

    /** Builds {@link RedactionRules}. */
    public static final class Builder {
        private final Set<String> excludedTables = new LinkedHashSet<>();
        private final Map<String, Map<String, Rule>> columnRules = new LinkedHashMap<>();

        private Builder() {
        }

        /** Leaves the table out of backups: no schema, no rows. */
        public Builder excludeTable(String table) {
            requireName(table, "table");
            if (columnRules.containsKey(table)) {
                throw new IllegalStateException("table " + table + " already has column rules; exclude it or mask columns, not both");
            }
            excludedTables.add(table);
            return this;
        }

        /** Writes NULL instead of the column's values. */
        public Builder setNull(String table, String column) {
            return add(table, column, new Rule("null", (t, c, v) -> null));
        }

        /** Writes a fixed value ({@code null}, a number, a String or a byte[]) instead of the column's values; NULLs stay NULL. */
        public Builder fixed(String table, String column, Object value) {
            if (value != null && !(value instanceof Number) && !(value instanceof String) && !(value instanceof byte[])) {
                throw new IllegalArgumentException("a fixed value must be null, a Number, a String or a byte[] but was "
                        + value.getClass().getName());
            }
            Object fixed = value instanceof byte[] bytes ? bytes.clone() : value;
            return add(table, column, new Rule("fixed", (t, c, v) -> v == null ? null
                    : fixed instanceof byte[] b ? b.clone() : fixed));
        }

        /**
         * Writes HMAC-SHA256(key, value) as lower-case hex TEXT; NULLs stay NULL. Equal values
         * give equal outputs, so joins and uniqueness survive. The key needs at least 16 bytes.
         */
        public Builder hmac(String table, String column, byte[] key) {
            Objects.requireNonNull(key, "key");
            if (key.length < 16) {
                throw new IllegalArgumentException("an HMAC key needs at least 16 bytes but had " + key.length);
            }
            Mac prototype;
            try {
                prototype = Mac.getInstance("HmacSHA256");
                prototype.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("HmacSHA256 is unavailable", e);
            }
            return add(table, column, new Rule("hmac-sha256", (t, c, v) -> {
                if (v == null) {
                    return null;
                }
                byte[] input = v instanceof byte[] b ? b : v.toString().getBytes(StandardCharsets.UTF_8);
                try {
                    Mac mac = (Mac) prototype.clone();
                    return HexFormat.of().formatHex(mac.doFinal(input));
                } catch (CloneNotSupportedException e) {
                    throw new IllegalStateException("HmacSHA256 cannot be cloned", e);
                }
            }));
        }

        /** Applies a custom function to the column's values. */
        public Builder custom(String table, String column, Redactor redactor) {
            Objects.requireNonNull(redactor, "redactor");
            return add(table, column, new Rule("custom", redactor));
        }

        private Builder add(String table, String column, Rule rule) {
            requireName(table, "table");
            requireName(column, "column");
            if (excludedTables.contains(table)) {
                throw new IllegalStateException("table " + table + " is already excluded");
            }
            Map<String, Rule> rules = columnRules.computeIfAbsent(table, t -> new LinkedHashMap<>());
            if (rules.containsKey(column)) {
                throw new IllegalStateException("column " + table + "." + column + " already has a rule: "
                        + rules.get(column).action());
            }
            rules.put(column, rule);
            return this;
        }

        private static void requireName(String name, String what) {
            Objects.requireNonNull(name, what);
            if (name.isEmpty()) {
                throw new IllegalArgumentException(what + " name must not be empty");
            }
        }

        /** Builds immutable rules. */
        public RedactionRules build() {
            return new RedactionRules(excludedTables, columnRules);
        }
    }

}
