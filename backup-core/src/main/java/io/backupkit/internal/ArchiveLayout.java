package io.backupkit.internal;

/**
 * Names of the entries inside an archive. SQL entries are numbered so that sorting their names
 * gives the order in which plain {@code sqlite3} or {@code psql} must load them:
 *
 * <pre>
 * sql/000000-schema.sql
 * sql/000001-data-users-00000.sql
 * sql/000002-data-tickets-00000.sql
 * sql/000003-data-tickets-00001.sql
 * sql/000004-post-data.sql
 * sql/000005-finish.sql
 * media/uploads/photo.jpg     (only with a media source)
 * manifest.json
 * </pre>
 */
public final class ArchiveLayout {

    /** The manifest, always the last entry. */
    public static final String MANIFEST = "manifest.json";

    /** The folder holding media entries, after the SQL entries and before the manifest. */
    public static final String MEDIA_PREFIX = "media/";

    /** The suffix of an age-encrypted archive, after the compression extension ({@code ID.tar.zst.age}). */
    public static final String AGE_SUFFIX = ".age";

    /** The folder holding SQL entries. */
    public static final String SQL_PREFIX = "sql/";

    private ArchiveLayout() {
    }

    /** A schema, post-data or finish entry's name. */
    public static String sqlEntryName(int sequence, String label) {
        return String.format("%s%06d-%s.sql", SQL_PREFIX, sequence, label);
    }

    /** A data entry's name; the table name is shortened to safe ASCII, the manifest keeps the real one. */
    public static String dataEntryName(int sequence, String table, int chunk) {
        return String.format("%s%06d-data-%s-%05d.sql", SQL_PREFIX, sequence, safe(table), chunk);
    }

    static String safe(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length() && out.length() < 40; i++) {
            char c = name.charAt(i);
            out.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    ? c : '_');
        }
        return out.length() == 0 ? "table" : out.toString();
    }
}
