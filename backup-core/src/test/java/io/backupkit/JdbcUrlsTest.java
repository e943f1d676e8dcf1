package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Passwords and keys are removed from JDBC URLs before they are logged; the rest stays readable. */
class JdbcUrlsTest {

    @Test
    void knownShapes() {
        assertThat(JdbcUrls.withoutPasswords("jdbc:postgresql://app:s3cret@db:5432/app?ssl=true&sslpassword=k3y"))
                .isEqualTo("jdbc:postgresql://app:***@db:5432/app?ssl=true&sslpassword=***");
        assertThat(JdbcUrls.withoutPasswords("jdbc:mysql://db/app?user=root&password=pw&useSSL=true"))
                .isEqualTo("jdbc:mysql://db/app?user=root&password=***&useSSL=true");
        assertThat(JdbcUrls.withoutPasswords("jdbc:sqlserver://db:1433;databaseName=app;user=sa;password={a;b}}c};encrypt=true"))
                .isEqualTo("jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=***;encrypt=true");
        assertThat(JdbcUrls.withoutPasswords("jdbc:oracle:thin:scott/tiger@//db:1521/APP"))
                .isEqualTo("jdbc:oracle:thin:scott/***@//db:1521/APP");
        assertThat(JdbcUrls.withoutPasswords("jdbc:sqlite:file:/srv/app.db?cipher=sqlcipher&key=hunter2&hexkey=ABCD"))
                .isEqualTo("jdbc:sqlite:file:/srv/app.db?cipher=sqlcipher&key=***&hexkey=***");
        assertThat(JdbcUrls.withoutPasswords("jdbc:snowflake://acct.snowflakecomputing.com/?private_key_file_pwd=x&token=t"))
                .isEqualTo("jdbc:snowflake://acct.snowflakecomputing.com/?private_key_file_pwd=***&token=***");
        assertThat(JdbcUrls.withoutPasswords("jdbc:sqlite:/srv/app.db")).isEqualTo("jdbc:sqlite:/srv/app.db");
        assertThat(JdbcUrls.withoutPasswords("jdbc:h2:mem:test;MODE=PostgreSQL")).isEqualTo("jdbc:h2:mem:test;MODE=PostgreSQL");
        assertThat(JdbcUrls.withoutPasswords(null)).isNull();
        assertThat(JdbcUrls.hasPassword("jdbc:postgresql://u:p@h/db")).isTrue();
        assertThat(JdbcUrls.hasPassword("jdbc:postgresql://h/db")).isFalse();
    }

    @Provide
    Arbitrary<String> passwords() {
        return Arbitraries.strings().withChars("abcXYZ0189!$%()*+,-.:=[]^_{}|~ ").ofMinLength(6).ofMaxLength(30)
                .filter(p -> !p.isBlank() && !p.strip().equals("***"));
    }

    @Property(tries = 500)
    void aPasswordNeverSurvives(@ForAll("passwords") String password) {
        for (String url : new String[] {
                "jdbc:postgresql://app:" + password.replace("/", "") + "@db:5432/app",
                "jdbc:mysql://db/app?user=root&password=" + password.replace("&", "") + "&x=1",
                "jdbc:sqlserver://db;user=sa;password={" + password.replace("}", "}}") + "};x=1",
                "jdbc:sqlite:/app.db?key=" + password.replace("&", "")}) {
            String safe = JdbcUrls.withoutPasswords(url);
            assertThat(safe).as(url).doesNotContain(password.strip()).contains("***");
        }
    }
}
