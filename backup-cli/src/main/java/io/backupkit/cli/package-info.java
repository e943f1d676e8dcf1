/**
 * {@code backup-cli}: backups from a terminal, for operators, including when the application is down.
 * The commands and their output are relied on by scripts; see the README for the exact forms.
 */
package io.backupkit.cli;
