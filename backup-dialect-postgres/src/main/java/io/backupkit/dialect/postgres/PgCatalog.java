package io.backupkit.dialect.postgres;

import io.backupkit.UnsupportedDatabaseException;
import io.backupkit.spi.ColumnModel;
import io.backupkit.spi.ForeignKey;
import io.backupkit.spi.SchemaModel;
import io.backupkit.spi.SchemaStatement;
import io.backupkit.spi.SchemaStatement.Type;
import io.backupkit.spi.TableModel;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one schema from {@code pg_catalog} into a {@link SchemaModel}, inside the snapshot.
 *
 * <p>The session's {@code search_path} is the backed-up schema while this runs, so the server's
 * own deparsers ({@code format_type}, {@code pg_get_expr}, {@code pg_get_constraintdef},
 * {@code pg_get_indexdef}, {@code pg_get_viewdef}) write names in that schema unqualified: the
 * statements recreate the objects in whatever schema a restore runs them in.
 *
 * <p>Pre-data: enums, domains, sequences, tables (columns, exact types, collations, defaults,
 * identity and generated columns, NOT NULL). Post-data, after the rows: primary keys, unique and
 * exclusion constraints, checks, indexes, foreign keys, {@code SET GENERATED ALWAYS} for identity
 * columns, sequence ownership, views in dependency order and comments. Finish: {@code setval} for
 * every sequence.
 */
final class PgCatalog {

    /** Column data the row cursor needs beyond the SPI's model. */
    record ColumnKind(boolean integer, boolean floating, boolean bytea) {
    }

    private final Connection connection;
    private final String schema;
    private long namespace;
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, ColumnKind[]> kinds = new HashMap<>();

    PgCatalog(Connection connection, String schema) {
        this.connection = connection;
        this.schema = schema;
    }

    List<String> warnings() {
        return warnings;
    }

    /** Per table, what each written column holds. */
    Map<String, ColumnKind[]> columnKinds() {
        return kinds;
    }

    SchemaModel read() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT oid FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new UnsupportedDatabaseException("the database has no schema named '" + schema + "'");
                }
                namespace = rs.getLong(1);
            }
        }
        refuseUnsupported();
        warnAboutSkipped();
        List<SchemaStatement> pre = new ArrayList<>();
        List<SchemaStatement> post = new ArrayList<>();
        List<SchemaStatement> finish = new ArrayList<>();
        types(pre);
        Map<Long, String> ownedSequences = sequences(pre, post, finish);
        List<TableModel> tables = tables(pre, post, finish, ownedSequences);
        views(post);
        comments(post);
        return new SchemaModel(tables, pre, post, finish);
    }

    private void refuseUnsupported() throws SQLException {
        List<String> problems = strings("""
                SELECT format('%s %s', CASE c.relkind WHEN 'p' THEN 'partitioned table' ELSE 'table' END, c.relname)
                FROM pg_class c WHERE c.relnamespace = ? AND (c.relkind = 'p' OR c.relispartition
                  OR EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid))
                ORDER BY 1""");
        if (!problems.isEmpty()) {
            throw new UnsupportedDatabaseException("schema '" + schema + "' uses table inheritance or partitioning, "
                    + "which the PostgreSQL dialect does not back up yet: " + problems);
        }
    }

    private void warnAboutSkipped() throws SQLException {
        String nsFilter = " = ?";
        record Check(String what, String sql) {
        }
        for (Check check : List.of(
                new Check("functions and procedures", "SELECT p.proname FROM pg_proc p WHERE p.pronamespace" + nsFilter
                        + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1"),
                new Check("triggers", "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                        + " WHERE c.relnamespace" + nsFilter + " AND NOT t.tgisinternal ORDER BY 1"),
                new Check("materialized views", "SELECT relname FROM pg_class WHERE relkind = 'm' AND relnamespace"
                        + nsFilter + " ORDER BY 1"),
                new Check("row-level security policies", "SELECT p.polname FROM pg_policy p JOIN pg_class c"
                        + " ON c.oid = p.polrelid WHERE c.relnamespace" + nsFilter + " ORDER BY 1"),
                new Check("composite and range types", "SELECT t.typname FROM pg_type t WHERE t.typnamespace" + nsFilter
                        + " AND (t.typtype = 'r' OR t.typtype = 'm' OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class"
                        + " WHERE oid = t.typrelid) = 'c')) ORDER BY 1"),
                new Check("views with options (security_barrier, check_option), restored without them",
                        "SELECT relname FROM pg_class WHERE relkind = 'v' AND reloptions IS NOT NULL AND relnamespace"
                                + nsFilter + " ORDER BY 1"),
                new Check("unlogged tables, restored as ordinary tables", "SELECT relname FROM pg_class WHERE relkind"
                        + " = 'r' AND relpersistence = 'u' AND relnamespace" + nsFilter + " ORDER BY 1"),
                new Check("rules", "SELECT r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class"
                        + " WHERE c.relnamespace" + nsFilter + " AND c.relkind = 'r' ORDER BY 1"))) {
            List<String> names = strings(check.sql());
            if (!names.isEmpty()) {
                warnings.add("schema '" + schema + "' has " + check.what() + " that this backup does not include: "
                        + names);
            }
        }
    }

    private void types(List<SchemaStatement> pre) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT t.typname, array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
                                        ORDER BY e.enumsortorder)
                FROM pg_type t WHERE t.typnamespace = ? AND t.typtype = 'e'
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
                ORDER BY t.oid""")) {
            ps.setLong(1, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    StringBuilder sql = new StringBuilder("CREATE TYPE ").append(PgLiterals.ident(name))
                            .append(" AS ENUM (");
                    String[] labels = strings(rs.getArray(2));
                    for (int i = 0; i < labels.length; i++) {
                        sql.append(i == 0 ? "" : ", ").append(PgLiterals.quoteString(labels[i]));
                    }
                    pre.add(new SchemaStatement(Type.TYPE, name, null, sql.append(')').toString()));
                }
            }
        }
        // Domains, in creation order (a domain over another domain comes after it).
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
                       CASE WHEN t.typcollation <> 0 AND t.typcollation <> b.typcollation
                            THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = t.typcollation) END,
                       array(SELECT format('CONSTRAINT %s %s', quote_ident(c.conname), pg_get_constraintdef(c.oid))
                             FROM pg_constraint c WHERE c.contypid = t.oid ORDER BY c.conname)
                FROM pg_type t JOIN pg_type b ON b.oid = t.typbasetype
                WHERE t.typnamespace = ? AND t.typtype = 'd'
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
                ORDER BY t.oid""")) {
            ps.setLong(1, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    StringBuilder sql = new StringBuilder("CREATE DOMAIN ").append(PgLiterals.ident(name))
                            .append(" AS ").append(rs.getString(2));
                    if (rs.getString(5) != null) {
                        sql.append(" COLLATE ").append(rs.getString(5));
                    }
                    if (rs.getString(4) != null) {
                        sql.append(" DEFAULT ").append(rs.getString(4));
                    }
                    if (rs.getBoolean(3)) {
                        sql.append(" NOT NULL");
                    }
                    for (String constraint : strings(rs.getArray(6))) {
                        sql.append(' ').append(constraint);
                    }
                    pre.add(new SchemaStatement(Type.TYPE, name, null, sql.toString()));
                }
            }
        }
    }

    /** Standalone and serial sequences (not identity ones); returns owned sequences by oid, name. */
    private Map<Long, String> sequences(List<SchemaStatement> pre, List<SchemaStatement> post,
                                        List<SchemaStatement> finish) throws SQLException {
        Map<Long, String> owned = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT c.oid, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin,
                       s.seqmax, s.seqcache, s.seqcycle, oc.relname, a.attname, d.deptype
                FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid
                LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                LEFT JOIN pg_class oc ON oc.oid = d.refobjid
                LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE c.relnamespace = ? AND c.relkind = 'S'
                  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = c.oid AND e.deptype = 'e')
                ORDER BY c.relname""")) {
            ps.setLong(1, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(2);
                    String ownerTable = rs.getString(10);
                    if ("i".equals(rs.getString(12))) {
                        continue; // identity sequences are created by their column
                    }
                    pre.add(new SchemaStatement(Type.SEQUENCE, name, ownerTable, "CREATE SEQUENCE "
                            + PgLiterals.ident(name) + " AS " + rs.getString(3) + sequenceOptions(rs, 4)));
                    if (ownerTable != null) {
                        owned.put(rs.getLong(1), name);
                        post.add(new SchemaStatement(Type.SEQUENCE, name, ownerTable, "ALTER SEQUENCE "
                                + PgLiterals.ident(name) + " OWNED BY " + PgLiterals.ident(ownerTable) + "."
                                + PgLiterals.ident(rs.getString(11))));
                    }
                    finish.add(setval(name, ownerTable));
                }
            }
        }
        return owned;
    }

    private static String sequenceOptions(ResultSet rs, int first) throws SQLException {
        return " START WITH " + rs.getLong(first) + " INCREMENT BY " + rs.getLong(first + 1) + " MINVALUE "
                + rs.getLong(first + 2) + " MAXVALUE " + rs.getLong(first + 3) + " CACHE " + rs.getLong(first + 4)
                + (rs.getBoolean(first + 5) ? " CYCLE" : " NO CYCLE");
    }

    private SchemaStatement setval(String sequence, String table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT last_value, is_called FROM " + PgLiterals.ident(schema) + "." + PgLiterals.ident(sequence));
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new SchemaStatement(Type.SEQUENCE, sequence, table, "SELECT pg_catalog.setval("
                    + PgLiterals.quoteString(PgLiterals.ident(sequence)) + ", " + rs.getLong(1) + ", "
                    + rs.getBoolean(2) + ")");
        }
    }

    private List<TableModel> tables(List<SchemaStatement> pre, List<SchemaStatement> post,
                                    List<SchemaStatement> finish, Map<Long, String> ownedSequences)
            throws SQLException {
        Map<Long, String> tables = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT c.oid, c.relname FROM pg_class c WHERE c.relnamespace = ? AND c.relkind = 'r'
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
                ORDER BY c.relname""")) {
            ps.setLong(1, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        List<TableModel> models = new ArrayList<>();
        List<SchemaStatement> keys = new ArrayList<>();
        List<SchemaStatement> checks = new ArrayList<>();
        List<SchemaStatement> indexes = new ArrayList<>();
        List<SchemaStatement> foreign = new ArrayList<>();
        List<SchemaStatement> always = new ArrayList<>();
        for (Map.Entry<Long, String> table : tables.entrySet()) {
            models.add(table(table.getKey(), table.getValue(), pre, always, finish));
            constraints(table.getKey(), table.getValue(), keys, checks, foreign);
            indexes(table.getKey(), table.getValue(), indexes);
        }
        post.addAll(0, keys);
        post.addAll(checks);
        post.addAll(indexes);
        post.addAll(foreign);
        post.addAll(always);
        return models;
    }

    private TableModel table(long oid, String name, List<SchemaStatement> pre, List<SchemaStatement> always,
                             List<SchemaStatement> finish) throws SQLException {
        StringBuilder sql = new StringBuilder("CREATE TABLE ").append(PgLiterals.ident(name)).append(" (");
        List<ColumnModel> columns = new ArrayList<>();
        List<ColumnKind> columnKinds = new ArrayList<>();
        int n = 0;
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
                       a.attidentity, a.attgenerated,
                       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                            THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = a.attcollation) END,
                       coalesce(bt.typname, t.typname), pg_get_serial_sequence(quote_ident(?), a.attname),
                       coalesce(bt.typcategory, t.typcategory)
                FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""")) {
            ps.setString(1, name);
            ps.setLong(2, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = rs.getString(1);
                    String type = rs.getString(2);
                    sql.append(n++ == 0 ? "\n    " : ",\n    ").append(PgLiterals.ident(column)).append(' ').append(type);
                    if (rs.getString(7) != null) {
                        sql.append(" COLLATE ").append(rs.getString(7));
                    }
                    String identity = rs.getString(5);
                    String generated = rs.getString(6);
                    if (generated != null && !generated.isEmpty()) {
                        sql.append(" GENERATED ALWAYS AS (").append(rs.getString(4)).append(") STORED");
                    } else if (identity != null && !identity.isEmpty()) {
                        String sequence = unqualified(rs.getString(9));
                        // Created BY DEFAULT so that the rows load with their values; ALWAYS is set after the data.
                        sql.append(" GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME ")
                                .append(PgLiterals.ident(sequence)).append(identityOptions(sequence)).append(')');
                        if (identity.equals("a")) {
                            always.add(new SchemaStatement(Type.CONSTRAINT, name + "." + column, name,
                                    "ALTER TABLE ONLY " + PgLiterals.ident(name) + " ALTER COLUMN "
                                            + PgLiterals.ident(column) + " SET GENERATED ALWAYS"));
                        }
                        finish.add(setval(sequence, name));
                    } else if (rs.getString(4) != null) {
                        sql.append(" DEFAULT ").append(rs.getString(4));
                    }
                    if (rs.getBoolean(3)) {
                        sql.append(" NOT NULL");
                    }
                    if (generated == null || generated.isEmpty()) {
                        columns.add(new ColumnModel(column, type));
                        String base = rs.getString(8);
                        String category = rs.getString(10);
                        boolean integer = base.equals("int2") || base.equals("int4") || base.equals("int8")
                                || base.equals("oid");
                        columnKinds.add(new ColumnKind(integer, base.equals("float4") || base.equals("float8"),
                                base.equals("bytea") && !"A".equals(category)));
                    }
                }
            }
        }
        sql.append(n == 0 ? ")" : "\n)");
        pre.add(new SchemaStatement(Type.TABLE, name, name, sql.toString()));
        kinds.put(name, columnKinds.toArray(new ColumnKind[0]));
        return new TableModel(name, columns, primaryKey(oid), foreignKeys(oid), TableModel.Kind.TABLE);
    }

    private String identityOptions(String sequence) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle
                FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = ? AND c.relname = ?""")) {
            ps.setLong(1, namespace);
            ps.setString(2, sequence);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return sequenceOptions(rs, 1);
            }
        }
    }

    /** {@code pg_get_serial_sequence} qualifies the name with its schema: drop that part. */
    private String unqualified(String qualified) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT relname FROM pg_class WHERE oid = ?::regclass")) {
            ps.setString(1, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private List<String> primaryKey(long table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT a.attname FROM pg_constraint c
                CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(num, ord)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num
                WHERE c.conrelid = ? AND c.contype = 'p' ORDER BY k.ord""")) {
            ps.setLong(1, table);
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
            return columns;
        }
    }

    private List<ForeignKey> foreignKeys(long table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT r.relname,
                  array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, ord)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord),
                  array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, ord)
                        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.ord)
                FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid
                WHERE c.conrelid = ? AND c.contype = 'f' AND r.relnamespace = ? ORDER BY c.conname""")) {
            ps.setLong(1, table);
            ps.setLong(2, namespace);
            List<ForeignKey> keys = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new ForeignKey(List.of(strings(rs.getArray(2))), rs.getString(1),
                            List.of(strings(rs.getArray(3)))));
                }
            }
            return keys;
        }
    }

    private void constraints(long table, String name, List<SchemaStatement> keys, List<SchemaStatement> checks,
                             List<SchemaStatement> foreign) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c
                WHERE c.conrelid = ? AND c.contype IN ('p', 'u', 'x', 'c', 'f')
                ORDER BY CASE c.contype WHEN 'p' THEN 0 ELSE 1 END, c.conname""")) {
            ps.setLong(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String constraint = rs.getString(1);
                    SchemaStatement statement = new SchemaStatement(Type.CONSTRAINT, constraint, name,
                            "ALTER TABLE ONLY " + PgLiterals.ident(name) + " ADD CONSTRAINT "
                                    + PgLiterals.ident(constraint) + " " + rs.getString(3));
                    switch (rs.getString(2)) {
                        case "c" -> checks.add(statement);
                        case "f" -> foreign.add(statement);
                        default -> keys.add(statement);
                    }
                }
            }
        }
    }

    private void indexes(long table, String name, List<SchemaStatement> indexes) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT i.relname, pg_get_indexdef(x.indexrelid), quote_ident(n.nspname) || '.' || quote_ident(t.relname)
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE x.indrelid = ? AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
                                                     AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))
                ORDER BY i.relname""")) {
            ps.setLong(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // pg_get_indexdef always names the table with its schema; the restore creates it elsewhere.
                    String definition = rs.getString(2);
                    String qualified = " ON " + rs.getString(3) + " ";
                    int at = definition.indexOf(qualified);
                    if (at < 0) {
                        throw new SQLException("unexpected definition of index '" + rs.getString(1) + "'");
                    }
                    definition = definition.substring(0, at) + " ON " + PgLiterals.ident(name) + " "
                            + definition.substring(at + qualified.length());
                    indexes.add(new SchemaStatement(Type.INDEX, rs.getString(1), name, definition));
                }
            }
        }
    }

    private void views(List<SchemaStatement> post) throws SQLException {
        Map<Long, String> names = new LinkedHashMap<>();
        Map<Long, String> definitions = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT c.oid, c.relname, pg_get_viewdef(c.oid) FROM pg_class c
                WHERE c.relnamespace = ? AND c.relkind = 'v'
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
                ORDER BY c.relname""")) {
            ps.setLong(1, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.put(rs.getLong(1), rs.getString(2));
                    String definition = rs.getString(3).strip();
                    if (definition.endsWith(";")) {
                        definition = definition.substring(0, definition.length() - 1);
                    }
                    definitions.put(rs.getLong(1), definition);
                }
            }
        }
        Map<Long, Set<Long>> dependsOn = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT DISTINCT r.ev_class, d.refobjid FROM pg_rewrite r
                JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                JOIN pg_class c ON c.oid = r.ev_class
                WHERE c.relnamespace = ? AND c.relkind = 'v' AND d.refclassid = 'pg_class'::regclass
                  AND d.refobjid <> r.ev_class""")) {
            ps.setLong(1, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    dependsOn.computeIfAbsent(rs.getLong(1), k -> new LinkedHashSet<>()).add(rs.getLong(2));
                }
            }
        }
        Set<Long> done = new LinkedHashSet<>();
        for (Long view : names.keySet()) {
            visit(view, names, dependsOn, done, new LinkedHashSet<>());
        }
        for (Long view : done) {
            post.add(new SchemaStatement(Type.VIEW, names.get(view), null,
                    "CREATE VIEW " + PgLiterals.ident(names.get(view)) + " AS\n" + definitions.get(view)));
        }
    }

    private static void visit(Long view, Map<Long, String> names, Map<Long, Set<Long>> dependsOn, Set<Long> done,
                              Set<Long> path) {
        if (done.contains(view) || !path.add(view)) {
            return;
        }
        for (Long dep : dependsOn.getOrDefault(view, Set.of())) {
            if (names.containsKey(dep)) {
                visit(dep, names, dependsOn, done, path);
            }
        }
        done.add(view);
    }

    private void comments(List<SchemaStatement> post) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'v' THEN 'VIEW' WHEN 'S' THEN 'SEQUENCE'
                                      WHEN 'i' THEN 'INDEX' END,
                       c.relname, NULL::text, d.description,
                       CASE c.relkind WHEN 'i' THEN (SELECT t.relname FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
                                                     WHERE x.indexrelid = c.oid)
                                      WHEN 'v' THEN NULL ELSE c.relname END
                FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
                WHERE c.relnamespace = ? AND d.objsubid = 0 AND c.relkind IN ('r', 'v', 'S', 'i')
                UNION ALL
                SELECT 'COLUMN', c.relname, a.attname, d.description, CASE WHEN c.relkind = 'r' THEN c.relname END
                FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
                WHERE c.relnamespace = ? AND d.objsubid > 0 AND c.relkind IN ('r', 'v')
                UNION ALL
                SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typname, NULL, d.description, NULL
                FROM pg_description d JOIN pg_type t ON t.oid = d.objoid AND d.classoid = 'pg_type'::regclass
                WHERE t.typnamespace = ? AND t.typtype IN ('e', 'd')
                ORDER BY 1, 2, 3""")) {
            ps.setLong(1, namespace);
            ps.setLong(2, namespace);
            ps.setLong(3, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String kind = rs.getString(1);
                    String object = PgLiterals.ident(rs.getString(2));
                    if (rs.getString(3) != null) {
                        object += "." + PgLiterals.ident(rs.getString(3));
                    }
                    post.add(new SchemaStatement(Type.COMMENT, kind.toLowerCase(java.util.Locale.ROOT) + " "
                            + rs.getString(2) + (rs.getString(3) == null ? "" : "." + rs.getString(3)), rs.getString(5),
                            "COMMENT ON " + kind + " " + object + " IS " + PgLiterals.quoteString(rs.getString(4))));
                }
            }
        }
    }

    private List<String> strings(String sql) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setLong(1, namespace);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    private static String[] strings(Array array) throws SQLException {
        return (String[]) array.getArray();
    }
}
