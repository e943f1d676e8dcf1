/**
 * Optional metrics: {@link io.backupkit.metrics.MicrometerBackupMetrics} reports backups, restores,
 * verifications, incidents and the age of the last backup to a Micrometer registry. Micrometer is an
 * optional dependency of {@code backup-core}: add {@code io.micrometer:micrometer-core} to use it.
 */
package io.backupkit.metrics;
