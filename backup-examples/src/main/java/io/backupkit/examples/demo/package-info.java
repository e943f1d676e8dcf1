/**
 * The demo maintenance application (Javalin, SQLite in WAL mode through HikariCP) with backupkit
 * wired into its super-admin settings page. Start it with
 * {@code java -jar backup-examples/target/backup-demo.jar}; {@link io.backupkit.examples.demo.DemoServer}
 * shows the wiring, {@code BackupRoutes} the admin routes.
 */
package io.backupkit.examples.demo;
