/**
 * Implementation details of backupkit: planning, snapshot orchestration, SQL chunking, the archive
 * format and its reader. Not API: anything here may change in any release.
 */
package io.backupkit.internal;
