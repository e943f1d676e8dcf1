/**
 * The S3-compatible store: {@link io.backupkit.storage.s3.S3Store} keeps backups in a bucket of AWS
 * S3, Cloudflare R2, MinIO, Ceph or any other server that speaks the S3 API, streaming each archive
 * with a multipart upload that holds one part in memory.
 *
 * <pre>{@code
 * try (S3Store store = S3Store.fromUri("s3://backups/app?region=eu-west-1")) {
 *     BackupService.builder().dataSource(dataSource).store(store).build().backup();
 * }
 * }</pre>
 */
package io.backupkit.storage.s3;
