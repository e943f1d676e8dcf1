package io.backupkit;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Which backups to keep, in the manner of restic's {@code forget --keep-*}: the last N, the newest
 * of each of the last N hours, days, weeks, months and years (in the host's time zone), and every
 * backup younger than a maximum age. Some backups are never deleted whatever the rules say: the
 * newest backup, the newest verified one, {@code pre-restore} safety backups younger than a
 * configurable age, and any backup labelled {@code keep}.
 *
 * <pre>{@code
 * RetentionPolicy policy = RetentionPolicy.builder()
 *     .keepLast(3).keepDaily(7).keepWeekly(4).keepMonthly(12)
 *     .zone(ZoneId.of("America/Toronto"))
 *     .build();
 * RetentionPlan plan = policy.plan(service.list(), Instant.now(), verifiedIds);   // a dry run
 * plan.toDelete().forEach(b -> service.delete(b.id()));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class RetentionPolicy {

    /** The label that protects a backup from every rule. */
    public static final String KEEP_LABEL = "keep";

    private final int last;
    private final int hourly;
    private final int daily;
    private final int weekly;
    private final int monthly;
    private final int yearly;
    private final Duration maxAge;
    private final Duration protectPreRestore;
    private final ZoneId zone;

    private RetentionPolicy(Builder b) {
        this.last = b.last;
        this.hourly = b.hourly;
        this.daily = b.daily;
        this.weekly = b.weekly;
        this.monthly = b.monthly;
        this.yearly = b.yearly;
        this.maxAge = b.maxAge;
        this.protectPreRestore = b.protectPreRestore;
        this.zone = b.zone;
    }

    /** A builder; with no rules set, only the protected backups survive. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Decides, without deleting anything, which backups stay and why.
     *
     * @param backups     the stored backups, in any order
     * @param now         the time the policy is applied at (for the maximum age and protections)
     * @param verifiedIds ids of backups known to be verified
     */
    public RetentionPlan plan(List<BackupInfo> backups, Instant now, Set<String> verifiedIds) {
        List<BackupInfo> newestFirst = new ArrayList<>(backups);
        newestFirst.sort(Comparator.comparing(BackupInfo::createdAt).thenComparing(BackupInfo::id).reversed());
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        newestFirst.forEach(b -> reasons.put(b.id(), new ArrayList<>()));
        for (int i = 0; i < Math.min(last, newestFirst.size()); i++) {
            reasons.get(newestFirst.get(i).id()).add("last " + (i + 1));
        }
        bucket(newestFirst, reasons, hourly, "hourly", t -> t.truncatedTo(ChronoUnit.HOURS).toString());
        bucket(newestFirst, reasons, daily, "daily", t -> t.toLocalDate().toString());
        bucket(newestFirst, reasons, weekly, "weekly",
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
        bucket(newestFirst, reasons, monthly, "monthly", t -> t.getYear() + "-" + t.getMonthValue());
        bucket(newestFirst, reasons, yearly, "yearly", t -> String.valueOf(t.getYear()));
        for (BackupInfo b : newestFirst) {
            List<String> why = reasons.get(b.id());
            if (maxAge != null && !b.createdAt().isBefore(now.minus(maxAge))) {
                why.add("younger than " + maxAge);
            }
            if (b.labels().contains(KEEP_LABEL)) {
                why.add("labelled keep");
            }
            if (b.labels().contains(RestoreOptions.PRE_RESTORE_LABEL)
                    && !b.createdAt().isBefore(now.minus(protectPreRestore))) {
                why.add("pre-restore safety backup younger than " + protectPreRestore);
            }
        }
        if (!newestFirst.isEmpty()) {
            reasons.get(newestFirst.get(0).id()).add("newest");
        }
        newestFirst.stream().filter(b -> verifiedIds.contains(b.id())).findFirst()
                .ifPresent(b -> reasons.get(b.id()).add("newest verified"));
        List<RetentionPlan.Decision> decisions = new ArrayList<>();
        for (BackupInfo b : newestFirst) {
            decisions.add(new RetentionPlan.Decision(b, !reasons.get(b.id()).isEmpty(), reasons.get(b.id())));
        }
        return new RetentionPlan(decisions);
    }

    /** Keeps the newest backup of each of the newest {@code count} distinct buckets. */
    private void bucket(List<BackupInfo> newestFirst, Map<String, List<String>> reasons, int count, String rule,
                        Function<ZonedDateTime, String> key) {
        String previous = null;
        int kept = 0;
        for (BackupInfo b : newestFirst) {
            if (kept >= count) {
                return;
            }
            String k = key.apply(b.createdAt().atZone(zone));
            if (!k.equals(previous)) {
                reasons.get(b.id()).add(rule + " " + k);
                previous = k;
                kept++;
            }
        }
    }

    /** Builds a {@link RetentionPolicy}; counts must not be negative. */
    public static final class Builder {
        private int last;
        private int hourly;
        private int daily;
        private int weekly;
        private int monthly;
        private int yearly;
        private Duration maxAge;
        private Duration protectPreRestore = Duration.ofDays(7);
        private ZoneId zone = ZoneId.systemDefault();

        private Builder() {
        }

        private static int count(int n, String what) {
            if (n < 0) {
                throw new IllegalArgumentException(what + " must not be negative but was " + n);
            }
            return n;
        }

        /** Keeps the newest {@code n} backups. */
        public Builder keepLast(int n) {
            this.last = count(n, "keepLast");
            return this;
        }

        /** Keeps the newest backup of each of the last {@code n} hours that have one. */
        public Builder keepHourly(int n) {
            this.hourly = count(n, "keepHourly");
            return this;
        }

        /** Keeps the newest backup of each of the last {@code n} days that have one. */
        public Builder keepDaily(int n) {
            this.daily = count(n, "keepDaily");
            return this;
        }

        /** Keeps the newest backup of each of the last {@code n} ISO weeks that have one. */
        public Builder keepWeekly(int n) {
            this.weekly = count(n, "keepWeekly");
            return this;
        }

        /** Keeps the newest backup of each of the last {@code n} months that have one. */
        public Builder keepMonthly(int n) {
            this.monthly = count(n, "keepMonthly");
            return this;
        }

        /** Keeps the newest backup of each of the last {@code n} years that have one. */
        public Builder keepYearly(int n) {
            this.yearly = count(n, "keepYearly");
            return this;
        }

        /** Keeps every backup younger than {@code age}. */
        public Builder maxAge(Duration age) {
            Objects.requireNonNull(age, "maxAge");
            if (age.isNegative()) {
                throw new IllegalArgumentException("maxAge must not be negative but was " + age);
            }
            this.maxAge = age;
            return this;
        }

        /** Protects {@code pre-restore} safety backups younger than {@code age}; default 7 days. */
        public Builder protectPreRestoreFor(Duration age) {
            this.protectPreRestore = Objects.requireNonNull(age, "age");
            return this;
        }

        /** The time zone that hours, days, weeks, months and years are counted in; default the system's. */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /** Builds the policy. */
        public RetentionPolicy build() {
            return new RetentionPolicy(this);
        }
    }
}
