/**
 * The public API of backupkit: {@link io.backupkit.BackupService}, its builder, and the records it
 * returns.
 *
 * <pre>{@code
 * BackupService backups = BackupService.builder()
 *     .dataSource(dataSource)                                  // the application's pool
 *     .store(LocalFolderStore.at(Path.of("/var/backups/app")))
 *     .build();                                                // dialect discovered from the connection
 * BackupManifest manifest = backups.backup();
 * }</pre>
 *
 * <p>Everything in {@code io.backupkit.internal} is an implementation detail and may change
 * without notice; plugins implement the interfaces in {@code io.backupkit.spi}.
 */
package io.backupkit;
