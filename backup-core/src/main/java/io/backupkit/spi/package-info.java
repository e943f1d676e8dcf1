/**
 * Service-provider interfaces: what a database dialect, a storage backend, a media source, a
 * redactor and an audit sink implement.
 *
 * <p>Each interface has only a few methods, in the spirit of Litestream's replica client. Plugins
 * depend on {@code backup-core} only; the core knows no dialect and no cloud. Implementations may
 * throw {@link java.sql.SQLException} or {@link java.io.IOException}; the core wraps them in a
 * {@link io.backupkit.BackupException} subtype that names what failed.
 */
package io.backupkit.spi;
