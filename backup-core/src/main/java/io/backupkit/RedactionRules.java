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
 * <p><b>Secret patterns.</b> Tables and columns whose names match a secret pattern (a
 * case-insensitive glob, {@link #DEFAULT_SECRET_PATTERNS} unless replaced with
 * {@link Builder#secretPatterns}) are never exported: a matching table is left out like
 * {@link Builder#excludeTable}, and a matching column keeps its place in the schema but every
 * non-NULL value is written as a unique placeholder ({@code redacted-N}, or the number N in a
 * numeric column), so that NOT NULL, UNIQUE and STRICT columns still load. Explicit rules win over
 * patterns. The manifest records each match ({@code secret-table}, {@code secret}).
 *
 * <p><b>Profiles.</b> {@link #fullProfile()} is for disaster recovery: secrets out, password
 * hashes kept, and a backup fails unless the service encrypts ({@code encryptTo}).
 * {@link #sharingProfile()} is an export to hand to someone: secrets out, and password hashes,
 * email addresses and phone numbers masked by column-name patterns.
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

    /**
     * The secret patterns used unless replaced: names of credentials an application keeps in its
     * database. Matched case-insensitively against whole table and column names; {@code *} is any
     * run of characters, {@code ?} one character.
     */
    public static final List<String> DEFAULT_SECRET_PATTERNS = List.of(
            "*_secret", "secret", "*_secret_*", "secret_*", "*token*", "*_password", "api_key", "*_api_key", "apikey",
            "*_apikey", "private_key", "*_private_key", "password_reset*", "*_otp_seed", "totp_*", "*_totp_*");

    /** Column-name patterns the sharing profile masks as password hashes. */
    public static final List<String> PASSWORD_PATTERNS = List.of("password", "*password*", "passwd", "*passwd*",
            "pass_hash", "*_pwd", "pwd");
    /** Column-name patterns the sharing profile masks as email addresses. */
    public static final List<String> EMAIL_PATTERNS = List.of("email", "*email*", "*e_mail*", "mail");
    /** Column-name patterns the sharing profile masks as phone numbers. */
    public static final List<String> PHONE_PATTERNS = List.of("*phone*", "mobile", "*_mobile", "tel", "telephone",
            "fax", "*_fax");

    private static final RedactionRules NONE = new RedactionRules(Set.of(), Map.of(), List.of(), List.of(), null);
    private static final RedactionRules DEFAULTS = new RedactionRules(Set.of(), Map.of(), DEFAULT_SECRET_PATTERNS,
            List.of(), null);

    private final Set<String> excludedTables;
    private final Map<String, Map<String, Rule>> columnRules;
    private final List<String> secretPatterns;
    private final List<PatternRule> patternRules;
    private final String profile;

    private RedactionRules(Set<String> excludedTables, Map<String, Map<String, Rule>> columnRules,
                           List<String> secretPatterns, List<PatternRule> patternRules, String profile) {
        this.excludedTables = Set.copyOf(excludedTables);
        Map<String, Map<String, Rule>> copy = new LinkedHashMap<>();
        columnRules.forEach((t, m) -> copy.put(t, Map.copyOf(m)));
        this.columnRules = Map.copyOf(copy);
        this.secretPatterns = List.copyOf(secretPatterns);
        this.patternRules = List.copyOf(patternRules);
        this.profile = profile;
    }

    /** No redaction at all, not even the secret patterns. */
    public static RedactionRules none() {
        return NONE;
    }

    /** The default: only the {@link #DEFAULT_SECRET_PATTERNS}. */
    public static RedactionRules defaults() {
        return DEFAULTS;
    }

    /**
     * The "full" profile, for disaster recovery: the default secret patterns and nothing else, so
     * password hashes, emails and phones are kept. A backup with it fails unless the service
     * encrypts to age recipients ({@code BackupService.builder().encryptTo(...)}).
     */
    public static RedactionRules fullProfile() {
        return new RedactionRules(Set.of(), Map.of(), DEFAULT_SECRET_PATTERNS, List.of(), "full");
    }

    /**
     * The "export for sharing" profile: the default secret patterns, and every column matching
     * {@link #PASSWORD_PATTERNS} written as the fixed value {@code !redacted} (an unusable hash),
     * {@link #EMAIL_PATTERNS} and {@link #PHONE_PATTERNS} as HMAC-SHA256 under a random key made
     * for this instance and never stored (equal inputs stay equal, so joins and UNIQUE survive;
     * nobody can reverse them). NULLs stay NULL.
     */
    public static RedactionRules sharingProfile() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Builder b = builder();
        PASSWORD_PATTERNS.forEach(p -> b.fixedMatching(p, "!redacted"));
        EMAIL_PATTERNS.forEach(p -> b.hmacMatching(p, key));
        PHONE_PATTERNS.forEach(p -> b.hmacMatching(p, key));
        java.util.Arrays.fill(key, (byte) 0);
        b.profile = "sharing";
        return b.build();
    }

    /** The secret patterns in force. */
    public List<String> secretPatterns() {
        return secretPatterns;
    }

    /** The profile these rules came from ({@code full}, {@code sharing}), or null. */
    public String profile() {
        return profile;
    }

    /** Whether backups with these rules must be encrypted (the full profile). */
    public boolean requiresEncryption() {
        return "full".equals(profile);
    }

    /** Whether a name matches one of the secret patterns. */
    public boolean isSecret(String name) {
        return matchesAny(secretPatterns, name);
    }

    /**
     * The rule a column-name pattern gives a column that has no explicit rule and is not secret,
     * or null.
     */
    public Redactor patternRedactor(String column) {
        PatternRule rule = patternRule(column);
        return rule == null ? null : rule.rule().redactor();
    }

    /** The action of {@link #patternRedactor(String)}'s rule, or null. */
    public String patternAction(String column) {
        PatternRule rule = patternRule(column);
        return rule == null ? null : rule.rule().action();
    }

    private PatternRule patternRule(String column) {
        for (PatternRule rule : patternRules) {
            if (glob(rule.glob()).matcher(column).matches()) {
                return rule;
            }
        }
        return null;
    }

    private static boolean matchesAny(List<String> globs, String name) {
        for (String g : globs) {
            if (glob(g).matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    private static java.util.regex.Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else {
                regex.append(java.util.regex.Pattern.quote(String.valueOf(c)));
            }
        }
        return java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.CASE_INSENSITIVE
                | java.util.regex.Pattern.UNICODE_CASE | java.util.regex.Pattern.DOTALL);
    }

    private static void requireGlob(String glob) {
        Objects.requireNonNull(glob, "pattern");
        if (glob.isBlank()) {
            throw new IllegalArgumentException("a name pattern must not be blank");
        }
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

    /** True when there are no rules and no secret patterns. */
    public boolean isEmpty() {
        return excludedTables.isEmpty() && columnRules.isEmpty() && secretPatterns.isEmpty() && patternRules.isEmpty();
    }

    private record Rule(String action, Redactor redactor) {
    }

    private record PatternRule(String glob, Rule rule) {
    }

    /** Builds {@link RedactionRules}. */
    public static final class Builder {
        private final Set<String> excludedTables = new LinkedHashSet<>();
        private final Map<String, Map<String, Rule>> columnRules = new LinkedHashMap<>();
        private final List<PatternRule> patternRules = new ArrayList<>();
        private List<String> secretPatterns = DEFAULT_SECRET_PATTERNS;
        private String profile;

        private Builder() {
        }

        /**
         * Replaces the secret patterns ({@link #DEFAULT_SECRET_PATTERNS} by default); an empty list
         * turns them off. Matching tables and columns are never exported.
         */
        public Builder secretPatterns(List<String> patterns) {
            patterns.forEach(RedactionRules::requireGlob);
            this.secretPatterns = List.copyOf(patterns);
            return this;
        }

        /** Writes NULL in every column whose name matches the pattern (any table). */
        public Builder setNullMatching(String columnPattern) {
            return addPattern(columnPattern, new Rule("null", (t, c, v) -> null));
        }

        /** Writes a fixed value in every column whose name matches the pattern; NULLs stay NULL. */
        public Builder fixedMatching(String columnPattern, Object value) {
            return addPattern(columnPattern, fixedRule(value));
        }

        /** Writes HMAC-SHA256(key, value) in every column whose name matches the pattern; NULLs stay NULL. */
        public Builder hmacMatching(String columnPattern, byte[] key) {
            return addPattern(columnPattern, hmacRule(key));
        }

        private Builder addPattern(String glob, Rule rule) {
            requireGlob(glob);
            patternRules.add(new PatternRule(glob, rule));
            return this;
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
            return add(table, column, fixedRule(value));
        }

        private static Rule fixedRule(Object value) {
            if (value != null && !(value instanceof Number) && !(value instanceof String) && !(value instanceof byte[])) {
                throw new IllegalArgumentException("a fixed value must be null, a Number, a String or a byte[] but was "
                        + value.getClass().getName());
            }
            Object fixed = value instanceof byte[] bytes ? bytes.clone() : value;
            return new Rule("fixed", (t, c, v) -> v == null ? null
                    : fixed instanceof byte[] b ? b.clone() : fixed);
        }

        /**
         * Writes HMAC-SHA256(key, value) as lower-case hex TEXT; NULLs stay NULL. Equal values
         * give equal outputs, so joins and uniqueness survive. The key needs at least 16 bytes.
         */
        public Builder hmac(String table, String column, byte[] key) {
            return add(table, column, hmacRule(key));
        }

        private static Rule hmacRule(byte[] key) {
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
            return new Rule("hmac-sha256", (t, c, v) -> {
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
            });
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
            return new RedactionRules(excludedTables, columnRules, secretPatterns, patternRules, profile);
        }
    }

}
