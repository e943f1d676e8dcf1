package io.backupkit;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes JDBC URLs safe to log: passwords and keys are replaced by {@code ***}, everything else
 * (driver, host, database, user name, harmless options) is kept so the line stays useful.
 *
 * <pre>{@code
 * JdbcUrls.withoutPasswords("jdbc:postgresql://app:s3cret@db:5432/app?sslpassword=x&ssl=true")
 *     // "jdbc:postgresql://app:***@db:5432/app?sslpassword=***&ssl=true"
 * }</pre>
 *
 * <p>Handled: {@code user:password@} before the host, Oracle's {@code user/password@}, and
 * parameters after {@code ?}, {@code &} or {@code ;} named like a secret ({@code password},
 * {@code pwd}, {@code passwd}, {@code sslpassword}, {@code secret}, {@code token}, {@code key},
 * {@code hexkey}, {@code apikey}, {@code accesskey}, {@code secretkey}, {@code passphrase} and names
 * containing one of these), including SQL Server's brace-quoted values.
 */
public final class JdbcUrls {

    private static final Pattern USER_INFO = Pattern.compile("(//[^/@?;:]*):[^/@?;]*@");
    private static final Pattern ORACLE = Pattern.compile("(?i)^(jdbc:oracle:\\w+:)([^@/:]+)/[^@]*@");
    private static final Pattern PARAMETER = Pattern.compile(
            "(?i)([?&;:]\\s*([a-z0-9_.\\-]*(?:password|passwd|pwd|secret|token|key|passphrase|credential)[a-z0-9_.\\-]*)"
                    + "\\s*=)(\\{(?:[^}]|\\}\\})*\\}|[^&;]*)");

    private JdbcUrls() {
    }

    /** The URL with every password, key and token replaced by {@code ***}; null stays null. */
    public static String withoutPasswords(String url) {
        if (url == null) {
            return null;
        }
        String s = USER_INFO.matcher(url).replaceAll("$1:***@");
        s = ORACLE.matcher(s).replaceAll("$1$2/***@");
        Matcher m = PARAMETER.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + "***"));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Whether {@link #withoutPasswords(String)} would change the URL. */
    public static boolean hasPassword(String url) {
        return !Objects.equals(url, withoutPasswords(url));
    }
}
