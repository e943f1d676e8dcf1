package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Retention on random timelines, against a reference model written differently (group, then pick). */
class RetentionPolicyProperties {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private static final ZoneId ZONE = ZoneId.of("America/Toronto");

    record Case(List<BackupInfo> backups, Set<String> verified, int[] counts, Duration maxAge, Duration protect) {
        RetentionPolicy policy() {
            RetentionPolicy.Builder b = RetentionPolicy.builder().keepLast(counts[0]).keepHourly(counts[1])
                    .keepDaily(counts[2]).keepWeekly(counts[3]).keepMonthly(counts[4]).keepYearly(counts[5])
                    .protectPreRestoreFor(protect).zone(ZONE);
            return maxAge == null ? b.build() : b.maxAge(maxAge).build();
        }
    }

    @Provide
    Arbitrary<Case> timelines() {
        Arbitrary<BackupInfo> backup = Combinators.combine(
                Arbitraries.longs().between(0, 3L * 365 * 24 * 60),
                Arbitraries.of(List.<String>of(), List.of(RetentionPolicy.KEEP_LABEL),
                        List.of(RestoreOptions.PRE_RESTORE_LABEL), List.of("nightly")).withoutEdgeCases(),
                Arbitraries.strings().withCharRange('a', 'z').ofLength(6))
                .as((minutesAgo, labels, suffix) -> {
                    Instant created = NOW.minus(Duration.ofMinutes(minutesAgo));
                    String id = io.backupkit.internal.BackupIds.newId(created).substring(0, 19) + "-" + suffix;
                    return new BackupInfo(id, created, id + ".tar.zst", 1, "00", 1, 1, false, "sqlite", labels);
                });
        Arbitrary<List<BackupInfo>> backups = backup.list().ofMaxSize(60).uniqueElements(BackupInfo::id);
        // Zero half the time, so that timelines where no rule keeps the newest backup are common.
        Arbitrary<Integer> count = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0)), net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 6)));
        Arbitrary<int[]> counts = count.array(int[].class).ofSize(6);
        Arbitrary<Duration> maxAge = Arbitraries.of(Duration.ofHours(6), Duration.ofDays(10), Duration.ofDays(400))
                .injectNull(0.5);
        Arbitrary<Duration> protect = Arbitraries.of(Duration.ZERO, Duration.ofDays(7), Duration.ofDays(60));
        return Combinators.combine(backups, counts, maxAge, protect).flatAs((list, c, age, p) ->
                Arbitraries.subsetOf(list.stream().map(BackupInfo::id).toList())
                        .map(verified -> new Case(list, verified, c, age, p)));
    }

    @Property(tries = 300)
    void keptSetEqualsTheReferenceModel(@ForAll("timelines") Case c) {
        RetentionPlan plan = c.policy().plan(c.backups(), NOW, c.verified());
        assertThat(ids(plan.toKeep())).isEqualTo(referenceKept(c));
        assertThat(plan.decisions()).hasSize(c.backups().size());
        plan.decisions().forEach(d -> assertThat(d.keep()).isEqualTo(!d.reasons().isEmpty()));
    }

    @Property(tries = 300)
    void applyingThePolicyTwiceChangesNothing(@ForAll("timelines") Case c) {
        List<BackupInfo> kept = c.policy().plan(c.backups(), NOW, c.verified()).toKeep();
        RetentionPlan again = c.policy().plan(kept, NOW, c.verified());
        assertThat(again.toDelete()).isEmpty();
    }

    @Property(tries = 300)
    void theNewestBackupAlwaysSurvives(@ForAll("timelines") Case c) {
        RetentionPlan plan = c.policy().plan(c.backups(), NOW, c.verified());
        c.backups().stream().max(Comparator.comparing(BackupInfo::createdAt).thenComparing(BackupInfo::id))
                .ifPresent(newest -> assertThat(ids(plan.toKeep())).contains(newest.id()));
        c.backups().stream().filter(b -> c.verified().contains(b.id()))
                .max(Comparator.comparing(BackupInfo::createdAt).thenComparing(BackupInfo::id))
                .ifPresent(newestVerified -> assertThat(ids(plan.toKeep())).contains(newestVerified.id()));
        c.backups().stream().filter(b -> b.labels().contains(RetentionPolicy.KEEP_LABEL))
                .forEach(b -> assertThat(ids(plan.toKeep())).contains(b.id()));
    }

    private static Set<String> ids(List<BackupInfo> backups) {
        return backups.stream().map(BackupInfo::id).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Group by bucket, order buckets by their newest member, take the newest member of the first n. */
    private static Set<String> referenceKept(Case c) {
        Comparator<BackupInfo> newestFirst = Comparator.comparing(BackupInfo::createdAt)
                .thenComparing(BackupInfo::id).reversed();
        List<BackupInfo> sorted = c.backups().stream().sorted(newestFirst).toList();
        Set<String> kept = new HashSet<>();
        sorted.stream().limit(c.counts()[0]).forEach(b -> kept.add(b.id()));
        List<Function<ZonedDateTime, Object>> keys = List.of(
                t -> t.truncatedTo(ChronoUnit.HOURS).toInstant(),
                t -> t.toLocalDate(),
                t -> List.of(t.get(IsoFields.WEEK_BASED_YEAR), t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
                t -> List.of(t.getYear(), t.getMonthValue()),
                t -> t.getYear());
        for (int rule = 0; rule < keys.size(); rule++) {
            Function<ZonedDateTime, Object> key = keys.get(rule);
            Map<Object, List<BackupInfo>> groups = new LinkedHashMap<>();
            for (BackupInfo b : c.backups()) {
                groups.computeIfAbsent(key.apply(b.createdAt().atZone(ZONE)), k -> new ArrayList<>()).add(b);
            }
            groups.values().stream().map(g -> g.stream().sorted(newestFirst).findFirst().orElseThrow())
                    .sorted(newestFirst).limit(c.counts()[rule + 1]).forEach(b -> kept.add(b.id()));
        }
        for (BackupInfo b : c.backups()) {
            if (c.maxAge() != null && !b.createdAt().isBefore(NOW.minus(c.maxAge()))) {
                kept.add(b.id());
            }
            if (b.labels().contains(RetentionPolicy.KEEP_LABEL)) {
                kept.add(b.id());
            }
            if (b.labels().contains(RestoreOptions.PRE_RESTORE_LABEL) && !b.createdAt().isBefore(NOW.minus(c.protect()))) {
                kept.add(b.id());
            }
        }
        sorted.stream().findFirst().ifPresent(b -> kept.add(b.id()));
        sorted.stream().filter(b -> c.verified().contains(b.id())).findFirst().ifPresent(b -> kept.add(b.id()));
        return new TreeSet<>(kept);
    }
}
