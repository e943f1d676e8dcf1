/**
 * The SQLite dialect: consistent snapshots of live SQLite databases (WAL or rollback journal) and
 * SQL that the {@code sqlite3} command-line shell loads into an identical database.
 *
 * <p>Registered in {@code META-INF/services/io.backupkit.spi.Dialect}, or explicitly with
 * {@code BackupService.builder().dialect(new SqliteDialect())}.
 */
package io.backupkit.dialect.sqlite;
