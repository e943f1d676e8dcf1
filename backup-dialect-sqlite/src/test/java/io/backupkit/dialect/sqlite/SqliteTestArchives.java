package io.backupkit.dialect.sqlite;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.ManifestEntry;
import io.backupkit.RedactionRules;
import io.backupkit.internal.ArchiveReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.sqlite.SQLiteDataSource;

/** Real backups of real SQLite files, read back entry by entry, for the parser and validator tests. */
final class SqliteTestArchives {

    private SqliteTestArchives() {
    }

    /** Receives one archive entry with its manifest record; the stream is valid during the call. */
    @FunctionalInterface
    interface EntryHandler {
        void entry(ManifestEntry entry, InputStream content) throws Exception;
    }

    static Connection open(Path db) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    static void execute(Connection c, String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /**
     * Backs {@code db} up into {@code storeFolder} with the library, then streams every entry of
     * the archive, in archive order, to the handler.
     */
    static BackupManifest backUpAndRead(Path db, Path storeFolder, Function<BackupService.Builder, BackupService.Builder> tune,
                                        EntryHandler handler) throws IOException {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + db);
        LocalFolderStore store = LocalFolderStore.at(storeFolder);
        BackupService service = tune.apply(BackupService.builder().dataSource(ds).store(store)).build();
        BackupManifest manifest = service.backup();
        Map<String, ManifestEntry> byName = new LinkedHashMap<>();
        manifest.entries().forEach(e -> byName.put(e.name(), e));
        String archive = service.info(manifest.id()).archiveName();
        try (InputStream in = store.open(archive)) {
            ArchiveReader.read(in, manifest.compression().algorithm(), (name, size, content) -> {
                ManifestEntry entry = byName.get(name);
                if (entry == null) {
                    return; // the manifest itself
                }
                try {
                    handler.entry(entry, content);
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            });
        }
        return manifest;
    }

    static Function<BackupService.Builder, BackupService.Builder> options(BackupOptions options,
                                                                          RedactionRules redaction) {
        return b -> b.options(options).redaction(redaction);
    }

    /**
     * The columns the writer puts in a table's INSERTs: every column that is not hidden or
     * generated, and the rowid first for a full-text table.
     */
    static Map<String, List<String>> insertableColumns(Connection c, List<String> tables) throws SQLException {
        Map<String, List<String>> schema = new LinkedHashMap<>();
        for (String table : tables) {
            List<String> columns = new ArrayList<>();
            if (isFts(c, table) || hasHiddenRowid(c, table)) {
                columns.add("rowid");
            }
            try (var ps = c.prepareStatement("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.add(rs.getString(1));
                    }
                }
            }
            schema.put(table, columns);
        }
        return schema;
    }

    /**
     * A rowid table without an INTEGER PRIMARY KEY: the writer writes its hidden rowid too, as
     * {@code sqlite3 .dump --preserve-rowids} does.
     */
    static boolean hasHiddenRowid(Connection c, String table) throws SQLException {
        try (var ps = c.prepareStatement("SELECT type, wr FROM pragma_table_list WHERE schema = 'main' AND name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !"table".equals(rs.getString(1)) || rs.getInt(2) != 0) {
                    return false;
                }
            }
        }
        try (var ps = c.prepareStatement("SELECT count(*), max(upper(trim(type))) FROM pragma_table_xinfo(?) WHERE pk > 0")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return !(rs.getInt(1) == 1 && "INTEGER".equals(rs.getString(2)));
            }
        }
    }

    static boolean isFts(Connection c, String table) throws SQLException {
        try (var ps = c.prepareStatement("SELECT sql FROM sqlite_schema WHERE name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1).matches("(?is).*USING\\s+fts[345].*");
            }
        }
    }

    /**
     * Every row of a table as SQLite holds it, in the order given, with values in the parser's
     * representation, read independently of the parser: TEXT through its bytes ({@code CAST(c AS
     * BLOB)}) and the JDK's strict UTF-8 decoder.
     */
    static List<List<Object>> rowsOf(Connection c, String table, List<String> columns, String orderBy)
            throws SQLException {
        StringBuilder select = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            String q = SqliteSnapshot.quote(columns.get(i));
            select.append(i > 0 ? ", " : "").append("typeof(").append(q).append("), ").append(q)
                    .append(", CAST(").append(q).append(" AS BLOB)");
        }
        select.append(" FROM ").append(SqliteSnapshot.quote(table)).append(' ').append(orderBy);
        List<List<Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select.toString())) {
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 0; i < columns.size(); i++) {
                    row.add(valueOf(rs, 3 * i + 1));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static Object valueOf(ResultSet rs, int typeColumn) throws SQLException {
        String type = rs.getString(typeColumn);
        switch (type) {
            case "null":
                return null;
            case "integer":
                return rs.getLong(typeColumn + 1);
            case "real":
                return rs.getDouble(typeColumn + 1);
            case "text": {
                byte[] bytes = rs.getBytes(typeColumn + 2);
                return canonicalText(bytes == null ? new byte[0] : bytes);
            }
            case "blob": {
                byte[] bytes = rs.getBytes(typeColumn + 2);
                return new SqliteBlob(bytes == null ? new byte[0] : bytes);
            }
            default:
                throw new IllegalStateException("unknown storage class " + type);
        }
    }

    /** TEXT bytes in the parser's representation, decided with the JDK's strict decoder. */
    static Object canonicalText(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new SqliteText(bytes.clone());
        }
    }
}
