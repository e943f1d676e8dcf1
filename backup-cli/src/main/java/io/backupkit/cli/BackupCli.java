package io.backupkit.cli;

import io.backupkit.BackupCatalog;
import io.backupkit.BackupException;
import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.VerificationResult;
import io.backupkit.spi.Store;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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
 * </pre>
 *
 * <p>Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "backup-cli", mixinStandardHelpOptions = true, versionProvider = BackupCli.Version.class,
        description = "Consistent, compressed backups of SQL databases in open formats (tar, zstd, plain SQL).",
        subcommands = {BackupCli.BackupCommand.class, BackupCli.ListCommand.class, BackupCli.VerifyCommand.class,
                BackupCli.ExportSqlCommand.class})
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

    abstract static class StoreCommand {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--store", required = true, paramLabel = "STORE",
                description = "A folder path or file:/absolute/path.")
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

        @Option(names = "--label", paramLabel = "TEXT", description = "A label stored with the backup; repeatable.")
        List<String> labels = List.of();

        @Override
        public Integer call() {
            BackupService service = BackupService.builder()
                    .dataSource(JdbcUrlDataSource.of(db))
                    .store(openStore())
                    .progressListener(ProgressBar.forStderr())
                    .build();
            BackupManifest manifest = service.backup(new BackupRequest(labels, p -> { }));
            for (String warning : manifest.warnings()) {
                spec.commandLine().getErr().println("warning: " + warning);
            }
            out().printf("backed up %d tables, %d rows%n", manifest.tables().size(), manifest.totalRows());
            out().println(manifest.id());
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "list", description = "One line per backup: id, created (UTC), size in bytes, tables, encrypted.")
    static final class ListCommand extends StoreCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            for (BackupInfo b : catalog().list()) {
                out().printf("%s %s %d %d %s%n", b.id(), DateTimeFormatter.ISO_INSTANT.format(b.createdAt()),
                        b.sizeBytes(), b.tableCount(), b.encrypted() ? "yes" : "no");
            }
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "verify", description = "Check every checksum of a backup; exit 1 naming the failing entry.")
    static final class VerifyCommand extends StoreCommand implements Callable<Integer> {
        @Option(names = "--id", required = true, paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            VerificationResult result = catalog().verify(id);
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

    @Command(name = "export-sql", description = "Write one plain SQL script that rebuilds the database.")
    static final class ExportSqlCommand extends StoreCommand implements Callable<Integer> {
        @Option(names = "--id", required = true, paramLabel = "ID")
        String id;

        @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of stdout.")
        Path outFile;

        @Override
        public Integer call() throws IOException {
            BackupCatalog catalog = catalog();
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
}
