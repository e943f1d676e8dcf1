package io.backupkit.cli;

import io.backupkit.Actor;
import io.backupkit.AgeIdentity;
import io.backupkit.AuditRecord;
import io.backupkit.AuditTrailException;
import io.backupkit.AuditVerification;
import io.backupkit.JsonLinesAuditSink;
import io.backupkit.spi.AuditSink;
import io.backupkit.BackupCatalog;
import io.backupkit.BackupException;
import io.backupkit.BackupInfo;
import io.backupkit.BackupVerification;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.RedactionRules;
import io.backupkit.RestoreOptions;
import io.backupkit.RetentionPlan;
import io.backupkit.RetentionPolicy;
import io.backupkit.RestorePreview;
import io.backupkit.RestoreResult;
import io.backupkit.Selection;
import io.backupkit.SelectiveRestoreResult;
import io.backupkit.SigningKeys;
import io.backupkit.SizeLimits;
import io.backupkit.TablePreview;
import io.backupkit.VerificationResult;
import io.backupkit.VerifyDepth;
import io.backupkit.spi.Store;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code backup-cli} entry point.
 *
 * <pre>
 * java -jar backup-cli.jar backup --db jdbc:sqlite:/srv/app.db --store /var/backups/app
 * java -jar backup-cli.jar list --store /var/backups/app
 * java -jar backup-cli.jar verify --store /var/backups/app --id ID
 * java -jar backup-cli.jar export-sql --store /var/backups/app --id ID --out restore.sql
 * java -jar backup-cli.jar keygen --out key.txt     # prints the recipient age1...
 * java -jar backup-cli.jar backup --db ... --store ... --recipient age1... --signing-key sign.pem
 * java -jar backup-cli.jar restore --db ... --store ... --id ID --identity key.txt --trusted-key sign.pub.pem
 * java -jar backup-cli.jar restore --db ... --store ... --id ID --audit-trail /var/log/app/backup-audit.jsonl
 * java -jar backup-cli.jar audit --trail /var/log/app/backup-audit.jsonl --verify
 * AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... java -jar backup-cli.jar list \
 *     --store 's3://backups/app?endpoint=http://127.0.0.1:9000&amp;region=us-east-1&amp;pathStyle=true'
 * </pre>
 *
 * <p>Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "backup-cli", mixinStandardHelpOptions = true, versionProvider = BackupCli.Version.class,
        description = "Consistent, compressed backups of SQL databases in open formats (tar, zstd, plain SQL).",
        subcommands = {BackupCli.BackupCommand.class, BackupCli.ListCommand.class, BackupCli.VerifyCommand.class,
                BackupCli.ExportSqlCommand.class, BackupCli.PreviewCommand.class, BackupCli.RestoreCommand.class,
                BackupCli.UndoRestoreCommand.class, BackupCli.PruneCommand.class, BackupCli.StatusCommand.class,
                BackupCli.KeygenCommand.class, BackupCli.AuditCommand.class, BackupCli.ImportCommand.class})
public final class BackupCli implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the CLI and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given output streams and returns the exit code (for tests and embedding). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new BackupCli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> {
            if (e instanceof IllegalArgumentException) {
                cl.getErr().println("error: " + e.getMessage());
                cl.usage(cl.getErr());
                return CommandLine.ExitCode.USAGE;
            }
            cl.getErr().println("error: " + (e instanceof BackupException ? e.getMessage() : e.toString()));
            return CommandLine.ExitCode.SOFTWARE;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"backup-cli " + BackupService.libraryVersion()};
        }
    }

    /** Keys for reading: the age identity and the trusted signing keys. */
    static final class ReadKeys {
        @Option(names = "--identity", paramLabel = "FILE",
                description = "age identity file (AGE-SECRET-KEY-1...) that decrypts encrypted backups.")
        Path identity;

        @Option(names = "--trusted-key", paramLabel = "FILE",
                description = "Ed25519 public key (PEM or base64 X.509) whose signatures are trusted; repeatable.")
        List<Path> trustedKeys = List.of();

        @Option(names = "--allow-unsigned", description = "Read backups without a valid trusted signature.")
        boolean allowUnsigned;

        BackupCatalog apply(BackupCatalog catalog) {
            BackupCatalog result = catalog.withTrustedKeys(trustedKeys()).allowUnsigned(allowUnsigned);
            return identity == null ? result : result.withIdentity(AgeIdentity.fromFile(identity));
        }

        List<PublicKey> trustedKeys() {
            return trustedKeys.stream().map(SigningKeys::readPublicKey).toList();
        }
    }

    /** {@code --audit-trail}: the commands that run through a {@link BackupService} record themselves there. */
    static final class AuditTrailOption {
        @Option(names = "--audit-trail", paramLabel = "FILE",
                description = "Append an audit record of this command to this JSON Lines trail (created when missing); "
                        + "keep it outside the database's folder. Check it with: audit --trail FILE --verify")
        Path auditTrail;

        BackupService.Builder apply(BackupService.Builder builder) {
            return auditTrail == null ? builder : builder.auditTrail(auditTrail);
        }

        /** The command line acts as the system (allowed everything, not rate limited), named after the OS user. */
        static Actor actor(String command) {
            return new Actor("cli:" + System.getProperty("user.name", "unknown"), Set.of(Actor.SYSTEM), "local",
                    "backup-cli " + command);
        }
    }

    abstract static class StoreCommand {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--store", required = true, paramLabel = "STORE",
                description = "A folder path, file:/absolute/path, or s3://BUCKET/PREFIX[?endpoint=URL&region=R"
                        + "&pathStyle=true] with credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.")
        String store;

        Store openStore() {
            return StoreLocation.open(store, spec.commandLine());
        }

        BackupCatalog catalog() {
            return BackupCatalog.of(openStore());
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(name = "backup", description = "Back up a database; the last line of stdout is the new backup id.")
    static final class BackupCommand extends StoreCommand implements Callable<Integer> {
        @Option(names = "--db", required = true, paramLabel = "JDBC_URL",
                description = "For example jdbc:sqlite:/path/app.db")
        String db;

        @Option(names = "--recipient", paramLabel = "AGE_PUBKEY",
                description = "Encrypt with age to this X25519 recipient (age1...); repeatable.")
        List<String> recipients = List.of();

        @Option(names = "--signing-key", paramLabel = "FILE",
                description = "Sign the backup with this Ed25519 private key (PEM or base64 PKCS#8).")
        Path signingKey;

        @Option(names = "--media", paramLabel = "DIR",
                description = "A folder of media files (uploads) to include under media/ in the archive.")
        java.nio.file.Path media;

        @Option(names = "--label", paramLabel = "TEXT", description = "A label stored with the backup; repeatable.")
        List<String> labels = List.of();

        @Mixin
        AuditTrailOption audit;

        @Option(names = "--profile", paramLabel = "PROFILE", defaultValue = "default",
                description = "default (secret patterns left out), full (same, and must be encrypted: for disaster "
                        + "recovery), sharing (also masks password hashes, emails and phones), none (everything).")
        String profile;

        @Option(names = "--max-size", paramLabel = "SIZE",
                description = "Refuse or abort a backup over this size before compression, e.g. 2GiB "
                        + "(estimated first from the database's pages, then enforced while streaming).")
        String maxSize;

        @Override
        public Integer call() {
            BackupService.Builder builder = BackupService.builder()
                    .dataSource(JdbcUrlDataSource.of(db))
                    .store(openStore())
                    .progressListener(ProgressBar.forStderr())
                    .redaction(switch (profile) {
                        case "default" -> RedactionRules.defaults();
                        case "full" -> RedactionRules.fullProfile();
                        case "sharing" -> RedactionRules.sharingProfile();
                        case "none" -> RedactionRules.none();
                        default -> throw new IllegalArgumentException("--profile must be default, full, sharing or "
                                + "none, not '" + profile + "'");
                    });
            if (maxSize != null) {
                builder.options(BackupOptions.builder().limits(SizeLimits.builder()
                        .maxBackupBytes(parseSize("--max-size", maxSize)).build()).build());
            }
            if (!recipients.isEmpty()) {
                builder.encryptTo(recipients);
            }
            if (signingKey != null) {
                builder.signWith(SigningKeys.readPrivateKey(signingKey));
            }
            if (media != null) {
                builder.mediaSource(io.backupkit.LocalDirectoryMediaSource.at(media));
            }
            BackupService service = audit.apply(builder).build();
            BackupManifest manifest = service.backup(AuditTrailOption.actor("backup"), new BackupRequest(labels, p -> { }));
            for (String warning : manifest.warnings()) {
                spec.commandLine().getErr().println("warning: " + warning);
            }
            out().printf("backed up %d tables, %d rows%n", manifest.tables().size(), manifest.totalRows());
            out().println(manifest.id());
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "list", description = "One line per backup: id, created (UTC), size in bytes, tables, encrypted, "
            + "verified (quick:TIME, deep:TIME, FAILED:TIME or no).")
    static final class ListCommand extends StoreCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            for (BackupInfo b : catalog().list()) {
                out().printf("%s %s %d %d %s %s%n", b.id(), DateTimeFormatter.ISO_INSTANT.format(b.createdAt()),
                        b.sizeBytes(), b.tableCount(), b.encrypted() ? "yes" : "no", verified(b));
            }
            return CommandLine.ExitCode.OK;
        }
    }

    /** The verified column: {@code deep:2026-11-26T10:15:00Z}, {@code FAILED:...} or {@code no}. */
    static String verified(BackupInfo b) {
        BackupVerification v = b.verification();
        if (v == null) {
            return "no";
        }
        String at = DateTimeFormatter.ISO_INSTANT.format(v.at().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        return (v.ok() ? v.depth().name().toLowerCase(java.util.Locale.ROOT) : "FAILED") + ":" + at;
    }

    @Command(name = "verify", description = "Check every checksum of a backup; exit 1 naming the failing entry.")
    static final class VerifyCommand extends StoreCommand implements Callable<Integer> {
        @Option(names = "--id", required = true, paramLabel = "ID")
        String id;

        @Mixin
        ReadKeys keys;

        @Option(names = "--deep", description = "Also rebuild the backup into a scratch database and run the "
                + "integrity, foreign-key and row-count checks.")
        boolean deep;

        @Option(names = "--db", paramLabel = "JDBC_URL",
                description = "With --deep, for a PostgreSQL backup: the database to rebuild it in (a scratch schema, "
                        + "rolled back). A SQLite backup is rebuilt in a temporary file and needs none.")
        String db;

        @Option(names = "--record", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Record the result and its time in the backup's sidecar, shown by list (default; "
                        + "--no-record for a read-only store).")
        boolean record;

        @Option(names = "--signing-key", paramLabel = "FILE",
                description = "Sign the recorded result with this Ed25519 private key (PEM or base64 PKCS#8).")
        Path signingKey;

        @Override
        public Integer call() {
            VerifyDepth depth = deep ? VerifyDepth.DEEP : VerifyDepth.QUICK;
            BackupCatalog catalog = keys.apply(catalog()).withProgress(ProgressBar.forStderr());
            VerificationResult result = db == null ? catalog.verify(id, depth)
                    : catalog.verify(id, depth, JdbcUrlDataSource.of(db));
            if (record) {
                try {
                    catalog.recordVerification(id, BackupVerification.of(result, depth, java.time.Instant.now()),
                            signingKey == null ? null : SigningKeys.readPrivateKey(signingKey));
                } catch (io.backupkit.StorageException e) {
                    spec.commandLine().getErr().println("warning: " + e.getMessage());
                }
            }
            if (result.ok()) {
                out().printf("OK %s: %d entries verified%n", id, result.entriesChecked());
                return CommandLine.ExitCode.OK;
            }
            PrintWriter err = spec.commandLine().getErr();
            err.printf("FAILED %s:%n", id);
            result.problems().forEach(p -> err.println("  " + p));
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    abstract static class DatabaseCommand extends StoreCommand {
        @Option(names = "--db", required = true, paramLabel = "JDBC_URL",
                description = "For example jdbc:sqlite:/path/app.db")
        String db;

        @Mixin
        ReadKeys keys;

        @Mixin
        AuditTrailOption audit;

        @Option(names = "--media", paramLabel = "DIR",
                description = "The media folder: a full restore puts back the backup's media files that are missing "
                        + "from it (see --media-restore).")
        java.nio.file.Path media;

        BackupService service(boolean databaseMayNotExist) {
            BackupService.Builder builder = BackupService.builder()
                    .dataSource(JdbcUrlDataSource.of(db, databaseMayNotExist))
                    .store(openStore())
                    .progressListener(ProgressBar.forStderr())
                    .trustedKeys(keys.trustedKeys())
                    .allowUnsigned(keys.allowUnsigned);
            if (media != null) {
                builder.mediaSource(io.backupkit.LocalDirectoryMediaSource.at(media));
            }
            BackupService service = audit.apply(builder).build();
            return keys.identity == null ? service : service.withIdentity(AgeIdentity.fromFile(keys.identity));
        }

        void printPreview(RestorePreview preview) {
            PrintWriter out = out();
            out.println(preview.summary());
            out.printf("%-28s %10s %10s %10s %10s %10s%n", "table", "backup", "live", "lost", "changed", "added");
            for (TablePreview t : preview.tables()) {
                out.printf("%-28s %10d %10d %10d %10d %10d%n", t.table(), t.backupRows(), t.liveRows(), t.lostRows(),
                        t.changedRows(), t.addedRows());
            }
            preview.columnChanges().forEach(c -> out.println("columns: " + c));
            out.printf("schema version: backup %s, live %s%n", preview.backupUserVersion(),
                    preview.liveUserVersion().isEmpty() ? "(none)" : preview.liveUserVersion());
            out.flush();
        }
    }

    @Command(name = "preview", description = "Show what restoring a backup would remove, change and add; changes nothing.")
    static final class PreviewCommand extends DatabaseCommand implements Callable<Integer> {
        @Option(names = "--id", required = true, paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            printPreview(service(false).preview(AuditTrailOption.actor("preview"), id));
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "restore", description = "Restore a backup over the database (or into a new file), after a preview "
            + "and a pre-restore safety backup. Stop the application first: the CLI cannot hold its writes.")
    static final class RestoreCommand extends DatabaseCommand implements Callable<Integer> {
        @Option(names = "--id", required = true, paramLabel = "ID")
        String id;

        @Option(names = "--yes", description = "Do not ask for confirmation.")
        boolean yes;

        @Option(names = "--allow-fk-violations", description = "Restore even if the backed-up data has rows whose "
                + "foreign keys point nowhere (an application running with foreign keys off).")
        boolean allowFkViolations;

        @Option(names = "--allow-redacted", description = "Restore a redacted backup (secrets left out, columns "
                + "masked) over existing data, which loses or masks those values.")
        boolean allowRedacted;

        @Option(names = "--tables", split = ",", paramLabel = "TABLE",
                description = "Selective restore: replace only these tables' content.")
        List<String> tables = List.of();

        @Option(names = "--rows", paramLabel = "TABLE:PK[,PK...]",
                description = "Selective restore: bring back these rows with their foreign-key descendants, merged "
                        + "into the live data without deleting anything else.")
        String rows;

        @Option(names = "--media-restore", paramLabel = "MODE", defaultValue = "MISSING_ONLY",
                description = "With --media: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}: put back missing files, "
                        + "leave files with other content as they are; media are never deleted).")
        io.backupkit.MediaRestoreMode mediaRestore;

        @Option(names = "--on-conflict", paramLabel = "POLICY", defaultValue = "FAIL",
                description = "For --rows: what to do with rows that exist live with other values: ${COMPLETION-CANDIDATES} "
                        + "(default ${DEFAULT-VALUE}).")
        Selection.Conflict conflict;

        @Override
        public Integer call() throws IOException {
            if (!tables.isEmpty() || rows != null) {
                return restoreSelected();
            }
            BackupService service = service(true);
            if (!yes) {
                printPreview(service.preview(AuditTrailOption.actor("restore"), id));
                out().print("Type the backup id to restore it: ");
                out().flush();
                String typed = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                        java.nio.charset.StandardCharsets.UTF_8)).readLine();
                if (typed == null || !typed.trim().equals(id)) {
                    spec.commandLine().getErr().println("not confirmed; nothing was changed");
                    return CommandLine.ExitCode.SOFTWARE;
                }
            }
            RestoreResult result = service.restore(AuditTrailOption.actor("restore"), id, RestoreOptions.builder()
                    .allowForeignKeyViolations(allowFkViolations).allowRedacted(allowRedacted)
                    .mediaRestore(mediaRestore).build());
            out().printf("restored %s: %d rows in %d ms%s%n", id, result.rows(), result.duration().toMillis(),
                    result.safetyBackupId() == null ? "" : "; undo with undo-restore (safety backup "
                            + result.safetyBackupId() + ")");
            var mediaResult = result.media();
            if (!mediaResult.equals(io.backupkit.MediaRestoreResult.NONE)) {
                out().printf("media: %d put back, %d unchanged, %d left as they are (other content)%s%n",
                        mediaResult.restored().size(), mediaResult.unchanged(), mediaResult.conflicts().size(),
                        mediaResult.failed().isEmpty() ? "" : ", FAILED: " + String.join("; ", mediaResult.failed()));
            }
            return CommandLine.ExitCode.OK;
        }

        private int restoreSelected() {
            if (!tables.isEmpty() && rows != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --tables or --rows, not both");
            }
            Selection selection;
            if (rows != null) {
                int colon = rows.indexOf(':');
                if (colon <= 0 || colon == rows.length() - 1) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--rows must look like TABLE:PK[,PK...], for example tickets:100,101");
                }
                Object[] keys = java.util.Arrays.stream(rows.substring(colon + 1).split(","))
                        .map(BackupCli::key).toArray();
                selection = Selection.rows(rows.substring(0, colon), keys).onConflict(conflict);
            } else {
                selection = Selection.tables(tables.toArray(new String[0]));
            }
            SelectiveRestoreResult result = service(false).restoreSelected(AuditTrailOption.actor("restore"), id,
                    selection.allowRedacted(allowRedacted));
            result.rows().forEach(r -> out().printf("%s %s %s%n", r.table(), r.key(),
                    r.action().name().toLowerCase(java.util.Locale.ROOT)));
            out().printf("selective restore of %s: %d inserted, %d overwritten, %d skipped, %d unchanged%n", id,
                    result.count(SelectiveRestoreResult.Action.INSERTED),
                    result.count(SelectiveRestoreResult.Action.OVERWRITTEN),
                    result.count(SelectiveRestoreResult.Action.SKIPPED),
                    result.count(SelectiveRestoreResult.Action.UNCHANGED));
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "import", description = "Import a backup from outside (its sidecar ID.json and its archive) into "
            + "the store, stored only when complete, within --max-size and verified (decryption with --identity, "
            + "signature with --trusted-key, every entry); prints the id.")
    static final class ImportCommand extends StoreCommand implements Callable<Integer> {
        @Option(names = "--sidecar", required = true, paramLabel = "FILE", description = "The backup's ID.json.")
        Path sidecar;

        @Option(names = "--archive", required = true, paramLabel = "FILE",
                description = "The backup's archive, ID.tar.zst or ID.tar.zst.age.")
        Path archive;

        @Option(names = "--max-size", paramLabel = "SIZE", defaultValue = "1GiB",
                description = "The largest archive accepted (default ${DEFAULT-VALUE}).")
        String maxSize;

        @Mixin
        ReadKeys keys;

        @Override
        public Integer call() throws IOException {
            try (java.io.InputStream side = java.nio.file.Files.newInputStream(sidecar);
                 java.io.InputStream in = java.nio.file.Files.newInputStream(archive)) {
                BackupInfo info = keys.apply(catalog()).importBackup(side, in, parseSize("--max-size", maxSize));
                out().printf("imported %s (%d bytes, %d rows, encrypted %s)%n", info.id(), info.sizeBytes(),
                        info.totalRows(), info.encrypted() ? "yes" : "no");
                out().println(info.id());
            }
            return CommandLine.ExitCode.OK;
        }
    }

    /** Bytes, or a number with a unit: KB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024). */
    static long parseSize(String option, String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)^\\s*(\\d+)\\s*(|b|kb|mb|gb|tb|kib|mib|gib|tib)\\s*$")
                .matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " must be a size such as 500000000, 512MiB or 2GB, not '"
                    + text + "'");
        }
        long unit = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
            case "kb" -> 1000L;
            case "mb" -> 1000_000L;
            case "gb" -> 1000_000_000L;
            case "tb" -> 1000_000_000_000L;
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "tib" -> 1L << 40;
            default -> 1L;
        };
        try {
            long value = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
            if (value < 1) {
                throw new IllegalArgumentException(option + " must be at least 1 byte");
            }
            return value;
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(option + " is too large: '" + text + "'");
        }
    }

    private static Object key(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return text;
        }
    }

    @Command(name = "prune", description = "Delete backups that no keep rule keeps (like restic forget --keep-*). "
            + "The newest backup, backups labelled keep and recent pre-restore backups always stay.")
    static final class PruneCommand extends StoreCommand implements Callable<Integer> {
        @Option(names = "--keep-last", paramLabel = "N", defaultValue = "0")
        int last;
        @Option(names = "--keep-hourly", paramLabel = "N", defaultValue = "0")
        int hourly;
        @Option(names = "--keep-daily", paramLabel = "N", defaultValue = "0")
        int daily;
        @Option(names = "--keep-weekly", paramLabel = "N", defaultValue = "0")
        int weekly;
        @Option(names = "--keep-monthly", paramLabel = "N", defaultValue = "0")
        int monthly;
        @Option(names = "--keep-yearly", paramLabel = "N", defaultValue = "0")
        int yearly;
        @Option(names = "--dry-run", description = "Show what would be deleted and why the rest stays; delete nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            if (last + hourly + daily + weekly + monthly + yearly == 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "give at least one --keep-* rule; without one only the protected backups would stay");
            }
            RetentionPolicy policy;
            try {
                policy = RetentionPolicy.builder().keepLast(last).keepHourly(hourly).keepDaily(daily)
                        .keepWeekly(weekly).keepMonthly(monthly).keepYearly(yearly).build();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            BackupCatalog catalog = catalog();
            RetentionPlan plan = policy.plan(catalog.list(), java.time.Instant.now(), java.util.Set.of());
            for (RetentionPlan.Decision d : plan.decisions()) {
                out().println((d.keep() ? "keep   " : "delete ") + d.backup().id()
                        + (d.keep() ? "  (" + String.join(", ", d.reasons()) + ")" : ""));
                if (!d.keep() && !dryRun) {
                    catalog.delete(d.backup().id());
                }
            }
            out().printf("%s %d of %d backups%n", dryRun ? "would delete" : "deleted", plan.toDelete().size(),
                    plan.decisions().size());
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "status", description = "The newest backup and its age, how many backups the store keeps, their size.")
    static final class StatusCommand extends StoreCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            List<BackupInfo> backups = catalog().list();
            if (backups.isEmpty()) {
                out().println("last backup: none");
            } else {
                BackupInfo last = backups.get(backups.size() - 1);
                long minutes = java.time.Duration.between(last.createdAt(), java.time.Instant.now()).toMinutes();
                out().printf("last backup: %s at %s (%d minutes ago), %d bytes, %d tables, encrypted %s%s, verified %s%n",
                        last.id(), DateTimeFormatter.ISO_INSTANT.format(last.createdAt()), minutes, last.sizeBytes(),
                        last.tableCount(), last.encrypted() ? "yes" : "no",
                        last.duration() == null ? "" : ", took " + last.duration().toMillis() + " ms", verified(last));
                backups.stream().filter(BackupInfo::verified).reduce((a, b) -> b).ifPresentOrElse(
                        v -> out().printf("last verified backup: %s (%s)%n", v.id(), verified(v)),
                        () -> out().println("last verified backup: none"));
                backups.stream().filter(b -> b.verification() != null && !b.verification().ok()).forEach(
                        f -> out().printf("FAILED verification: %s at %s: %s%n", f.id(),
                                DateTimeFormatter.ISO_INSTANT.format(f.verification().at()), f.verification().problem()));
            }
            out().printf("backups kept: %d, %d bytes in all%n", backups.size(),
                    backups.stream().mapToLong(BackupInfo::sizeBytes).sum());
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "undo-restore", description = "Bring back the database as it was before the last restore.")
    static final class UndoRestoreCommand extends DatabaseCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            RestoreResult result = service(false).undoLastRestore(AuditTrailOption.actor("undo-restore"),
                    RestoreOptions.builder().build());
            out().printf("restored safety backup %s: %d rows in %d ms%n", result.backupId(), result.rows(),
                    result.duration().toMillis());
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "export-sql", description = "Write one plain SQL script that rebuilds the database.")
    static final class ExportSqlCommand extends StoreCommand implements Callable<Integer> {
        @Option(names = "--id", required = true, paramLabel = "ID")
        String id;

        @Mixin
        ReadKeys keys;

        @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of stdout.")
        Path outFile;

        @Override
        public Integer call() throws IOException {
            BackupCatalog catalog = keys.apply(catalog());
            if (outFile == null) {
                OutputStream stdout = new BufferedOutputStream(System.out, 1 << 16);
                catalog.exportSql(id, stdout);
                stdout.flush();
                return CommandLine.ExitCode.OK;
            }
            Path target = outFile.toAbsolutePath();
            Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            try {
                try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                    catalog.exportSql(id, file);
                }
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
            out().println("wrote " + target);
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "keygen", description = "Print a new age identity (key file text) and, on stderr, its recipient; "
            + "with --signing, a new Ed25519 signing key pair in PEM.")
    static final class KeygenCommand implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", paramLabel = "FILE", description = "Write the secret key here (mode 600) instead "
                + "of stdout; the public key is printed on stdout.")
        Path outFile;

        @Option(names = "--signing", description = "Generate an Ed25519 signing key pair instead of an age identity.")
        boolean signing;

        @Override
        public Integer call() throws IOException {
            String secret;
            String publicText;
            if (signing) {
                KeyPair pair = SigningKeys.generate();
                secret = SigningKeys.toPem(pair.getPrivate());
                publicText = SigningKeys.toPem(pair.getPublic());
            } else {
                AgeIdentity identity = AgeIdentity.generate();
                secret = identity.toKeyFile();
                publicText = identity.recipients().get(0) + "\n";
            }
            PrintWriter out = spec.commandLine().getOut();
            if (outFile == null) {
                out.print(secret);
                spec.commandLine().getErr().print((signing ? "Public key:\n" : "Public key: ") + publicText);
                spec.commandLine().getErr().flush();
            } else {
                Path file = Files.createFile(outFile, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, secret, java.nio.charset.StandardCharsets.US_ASCII);
                out.print(publicText);
            }
            out.flush();
            return CommandLine.ExitCode.OK;
        }
    }
    @Command(name = "audit", description = "Print an audit trail (JSON Lines, as written with --audit-trail or "
            + "BackupService.Builder.auditTrail), or verify its hash chain: exit 1 naming the first edited, inserted "
            + "or deleted record.")
    static final class AuditCommand implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--trail", required = true, paramLabel = "FILE", description = "The audit trail file.")
        Path trail;

        @Option(names = "--verify", description = "Check the hash chain and the anchor instead of printing records.")
        boolean verify;

        @Option(names = "--newest-first", description = "Print the most recent record first.")
        boolean newestFirst;

        @Option(names = "--limit", paramLabel = "N", description = "Print at most N records.")
        Integer limit;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isRegularFile(trail)) {
                err.println("error: no audit trail at " + trail.toAbsolutePath());
                return CommandLine.ExitCode.SOFTWARE;
            }
            if (limit != null && limit < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must not be negative");
            }
            JsonLinesAuditSink sink = JsonLinesAuditSink.at(trail);
            if (verify) {
                AuditVerification check = AuditVerification.of(sink);
                if (check.intact()) {
                    out.println("OK " + check.message());
                    return CommandLine.ExitCode.OK;
                }
                err.println("BROKEN " + check.problem() + ": " + check.message());
                return CommandLine.ExitCode.SOFTWARE;
            }
            try (Stream<AuditRecord> records = sink.read(newestFirst ? AuditSink.Order.NEWEST_FIRST
                    : AuditSink.Order.OLDEST_FIRST)) {
                (limit == null ? records : records.limit(limit)).forEach(r -> out.println(line(r)));
            } catch (AuditTrailException e) {
                out.flush();
                err.println("error: " + e.getMessage());
                return CommandLine.ExitCode.SOFTWARE;
            }
            out.flush();
            return CommandLine.ExitCode.OK;
        }

        /** seq, time, operation, outcome, who, from where, then what is known. */
        static String line(AuditRecord r) {
            StringBuilder b = new StringBuilder(200);
            b.append(r.seq()).append(' ').append(r.time()).append(' ').append(r.operation()).append(' ')
                    .append(r.outcome()).append(" actor=").append(r.actorId()).append(' ').append(r.roles())
                    .append(" from=").append(r.remoteAddress());
            if (r.backupId() != null) {
                b.append(" backup=").append(r.backupId());
            }
            if (r.bytes() != null) {
                b.append(" bytes=").append(r.bytes());
            }
            b.append(" ms=").append(r.duration().toMillis());
            if (!r.reason().isEmpty()) {
                b.append(" reason=\"").append(r.reason()).append('"');
            }
            if (r.detail() != null) {
                b.append(" detail=\"").append(r.detail()).append('"');
            }
            return b.toString();
        }
    }
}
