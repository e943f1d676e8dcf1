package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    private static BackupInfo backup(String id, String created, String... labels) {
        return new BackupInfo(id, Instant.parse(created), id + ".tar.zst", 1, "00", 1, 1, false, "sqlite",
                List.of(labels));
    }

    @Test
    void withNoRulesOnlyTheProtectedBackupsSurvive() {
        List<BackupInfo> backups = List.of(
                backup("a", "2026-11-26T11:00:00Z"),
                backup("b", "2026-11-25T11:00:00Z"),
                backup("c", "2026-11-24T11:00:00Z", "keep"),
                backup("d", "2026-11-23T11:00:00Z", "pre-restore"),
                backup("e", "2026-01-01T11:00:00Z", "pre-restore"),
                backup("f", "2026-01-01T10:00:00Z"));

        RetentionPlan plan = RetentionPolicy.builder().zone(ZoneOffset.UTC).build().plan(backups, NOW, Set.of("b"));

        assertThat(plan.toKeep()).extracting(BackupInfo::id).containsExactly("a", "b", "c", "d");
        assertThat(plan.decisions().get(0).reasons()).containsExactly("newest");
        assertThat(plan.decisions().get(1).reasons()).containsExactly("newest verified");
        assertThat(plan.toDelete()).extracting(BackupInfo::id).containsExactly("e", "f");
    }

    @Test
    void dailyRuleKeepsTheNewestOfEachDayAndSaysWhy() {
        List<BackupInfo> backups = List.of(
                backup("d1-late", "2026-11-26T10:00:00Z"),
                backup("d1-early", "2026-11-26T01:00:00Z"),
                backup("d2", "2026-11-25T09:00:00Z"),
                backup("d3", "2026-11-23T09:00:00Z"));

        RetentionPlan plan = RetentionPolicy.builder().keepDaily(2).zone(ZoneOffset.UTC).build()
                .plan(backups, NOW, Set.of());

        assertThat(plan.toKeep()).extracting(BackupInfo::id).containsExactly("d1-late", "d2");
        assertThat(plan.decisions().get(2).reasons()).containsExactly("daily 2026-11-25");
    }

    @Test
    void buildersRejectNegativeCounts() {
        assertThatThrownBy(() -> RetentionPolicy.builder().keepDaily(-1)).hasMessageContaining("keepDaily");
        assertThatThrownBy(() -> RetentionPolicy.builder().maxAge(Duration.ofDays(-1))).hasMessageContaining("maxAge");
    }
}
