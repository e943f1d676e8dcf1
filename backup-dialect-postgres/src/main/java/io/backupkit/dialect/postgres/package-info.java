/**
 * The PostgreSQL dialect: consistent snapshots in one {@code REPEATABLE READ} transaction, the
 * schema read from {@code pg_catalog}, exact values read with {@code COPY}, and restores that
 * rebuild the schema in a scratch schema and swap it in with one transaction.
 */
package io.backupkit.dialect.postgres;
