/**
 * Test fixtures for S3 stores, shipped in {@code backup-storage-s3}'s test-jar: an in-process
 * S3Proxy server on the loopback interface and a TCP relay whose link can be cut.
 */
package io.backupkit.storage.s3.testing;
