package io.backupkit.metrics;

import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupObserver;
import io.backupkit.BackupService;
import io.backupkit.BackupStatus;
import io.backupkit.VerifyDepth;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reports a {@link BackupService}'s work to a Micrometer {@link MeterRegistry}: register it as an
 * observer when building the service.
 *
 * <pre>{@code
 * BackupService service = BackupService.builder()
 *     .dataSource(dataSource).store(store)
 *     .observer(new MicrometerBackupMetrics(meterRegistry))
 *     .build();
 * }</pre>
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th></tr>
 * <tr><td>{@code backupkit.backups}</td><td>counter</td><td>{@code result} = success, failure</td></tr>
 * <tr><td>{@code backupkit.backup.duration}</td><td>timer</td><td>{@code result}</td></tr>
 * <tr><td>{@code backupkit.backup.size}</td><td>distribution summary, bytes</td><td>stored archive size</td></tr>
 * <tr><td>{@code backupkit.restores}</td><td>counter</td><td>{@code result}</td></tr>
 * <tr><td>{@code backupkit.restore.duration}</td><td>timer</td><td>{@code result}</td></tr>
 * <tr><td>{@code backupkit.verifications}</td><td>counter</td><td>{@code depth} = quick, deep; {@code result} = ok, failed</td></tr>
 * <tr><td>{@code backupkit.verification.duration}</td><td>timer</td><td>{@code depth}, {@code result}</td></tr>
 * <tr><td>{@code backupkit.incidents}</td><td>counter</td><td>{@code kind}, as in {@link BackupStatus.Incident.Kind}, lower case</td></tr>
 * <tr><td>{@code backupkit.last.backup.age}</td><td>gauge, seconds</td><td>age of the newest stored backup; NaN when none is known</td></tr>
 * </table>
 *
 * <p>The age gauge is alerting's friend ({@code backupkit_last_backup_age_seconds > 26 * 3600}). It
 * reads the newest backup from the store once (on its first read, and again at most once a
 * minute while none is known); after that, each successful backup moves it. Thread-safe.
 */
public final class MicrometerBackupMetrics implements BackupObserver {

    private static final Duration RETRY_SEED = Duration.ofMinutes(1);

    private final MeterRegistry registry;
    private final Tags tags;
    private final Clock clock;
    private final AtomicReference<Instant> lastBackupAt = new AtomicReference<>();
    private final DistributionSummary size;
    private volatile BackupService service;
    private volatile Instant lastSeedAttempt;

    /** Metrics in the registry, with no extra tags, aging by the system clock. */
    public MicrometerBackupMetrics(MeterRegistry registry) {
        this(registry, Tags.empty(), Clock.systemUTC());
    }

    /**
     * Metrics in the registry with extra tags on every meter (for example the application's name)
     * and the clock the age gauge measures with (the service's, in tests).
     */
    public MicrometerBackupMetrics(MeterRegistry registry, Iterable<Tag> extraTags, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(Objects.requireNonNull(extraTags, "extraTags"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.size = DistributionSummary.builder("backupkit.backup.size").baseUnit("bytes")
                .description("size of each stored backup archive").tags(tags).register(registry);
        Gauge.builder("backupkit.last.backup.age", this, MicrometerBackupMetrics::lastBackupAgeSeconds)
                .baseUnit("seconds").description("age of the newest stored backup; NaN when none is known")
                .tags(tags).register(registry);
        for (String result : List.of("success", "failure")) {
            counter("backupkit.backups", "result", result);
            counter("backupkit.restores", "result", result);
        }
    }

    @Override
    public void attached(BackupService attachedTo) {
        this.service = attachedTo;
    }

    @Override
    public void backupSucceeded(BackupManifest manifest, BackupInfo info, Duration took) {
        counter("backupkit.backups", "result", "success").increment();
        timer("backupkit.backup.duration", Tags.of("result", "success")).record(took);
        if (info != null) {
            size.record(info.sizeBytes());
        }
        lastBackupAt.accumulateAndGet(manifest.createdAt(), (a, b) -> a == null || b.isAfter(a) ? b : a);
    }

    @Override
    public void backupFailed(String message, Duration took) {
        counter("backupkit.backups", "result", "failure").increment();
        timer("backupkit.backup.duration", Tags.of("result", "failure")).record(took);
    }

    @Override
    public void restoreFinished(String backupId, boolean ok, Duration took) {
        String result = ok ? "success" : "failure";
        counter("backupkit.restores", "result", result).increment();
        timer("backupkit.restore.duration", Tags.of("result", result)).record(took);
    }

    @Override
    public void verified(String backupId, VerifyDepth depth, boolean ok, Duration took) {
        Tags t = Tags.of("depth", depth.name().toLowerCase(Locale.ROOT), "result", ok ? "ok" : "failed");
        registry.counter("backupkit.verifications", tags.and(t)).increment();
        timer("backupkit.verification.duration", t).record(took);
    }

    @Override
    public void incident(BackupStatus.Incident incident) {
        counter("backupkit.incidents", "kind", incident.kind().name().toLowerCase(Locale.ROOT)).increment();
    }

    private Counter counter(String name, String key, String value) {
        return registry.counter(name, tags.and(key, value));
    }

    private Timer timer(String name, Tags extra) {
        return Timer.builder(name).tags(tags.and(extra)).register(registry);
    }

    private double lastBackupAgeSeconds() {
        Instant at = lastBackupAt.get();
        if (at == null) {
            at = seed();
        }
        if (at == null) {
            return Double.NaN;
        }
        return Math.max(0, Duration.between(at, clock.instant()).toMillis() / 1000.0);
    }

    /** The newest stored backup's time, read from the store at most once a minute while unknown. */
    private Instant seed() {
        BackupService attached = service;
        Instant now = clock.instant();
        Instant last = lastSeedAttempt;
        if (attached == null || (last != null && Duration.between(last, now).compareTo(RETRY_SEED) < 0)) {
            return null;
        }
        lastSeedAttempt = now;
        try {
            List<BackupInfo> backups = attached.list();
            if (backups.isEmpty()) {
                return null;
            }
            Instant newest = backups.get(backups.size() - 1).createdAt();
            lastBackupAt.accumulateAndGet(newest, (a, b) -> a == null || b.isAfter(a) ? b : a);
            return lastBackupAt.get();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
