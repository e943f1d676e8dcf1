/**
 * The S3-compatible store. A skeleton for now: the S3 issue implements {@code S3Store} here against
 * the {@link io.backupkit.spi.Store} SPI, with streaming multipart uploads.
 */
package io.backupkit.storage.s3;
