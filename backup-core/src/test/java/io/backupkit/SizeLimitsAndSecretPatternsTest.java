package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** {@link SizeLimits} validation, {@link LimitExceededException} fields, and secret-pattern matching. */
class SizeLimitsAndSecretPatternsTest {

    @Test
    void limitsValidateAndDefaultSafely() {
        SizeLimits d = SizeLimits.defaults();
        assertThat(d.maxBackupBytes()).isEqualTo(SizeLimits.UNLIMITED);
        assertThat(d.maxUploadBytes()).isEqualTo(1L << 30);
        assertThat(d.maxExpandedBytes()).isEqualTo(64L << 30);
        assertThat(d.maxExpansionRatio()).isEqualTo(1000);
        assertThatThrownBy(() -> SizeLimits.builder().maxUploadBytes(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxUploadBytes");
        assertThatThrownBy(() -> SizeLimits.builder().ratioGraceBytes(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ratioGraceBytes");
        assertThat(SizeLimits.builder().maxBackupBytes(5).build().toBuilder().build().maxBackupBytes()).isEqualTo(5);
        assertThat(BackupOptions.defaults().limits()).isEqualTo(SizeLimits.defaults());
    }

    @Test
    void theExceptionCarriesTheLimitItsValueAndTheObservedValue() {
        LimitExceededException e = new LimitExceededException("import of backup X: ",
                LimitExceededException.Limit.UPLOAD_BYTES, 100, 250);
        assertThat(e).isInstanceOf(BackupException.class);
        assertThat(e.limit()).isEqualTo(LimitExceededException.Limit.UPLOAD_BYTES);
        assertThat(e.maximum()).isEqualTo(100);
        assertThat(e.observed()).isEqualTo(250);
        assertThat(e.getMessage()).startsWith("import of backup X: ").contains("250", "100", "maxUploadBytes");
    }

    @Test
    void defaultSecretPatterns() {
        RedactionRules rules = RedactionRules.defaults();
        for (String secret : List.of("client_secret", "SECRET", "secret_key", "my_secret_value", "reset_token",
                "Api_Tokens", "token", "smtp_password", "api_key", "stripe_api_key", "APIKEY", "private_key",
                "ssh_private_key", "password_resets", "user_otp_seed", "totp_secret")) {
            assertThat(rules.isSecret(secret)).as(secret).isTrue();
        }
        for (String plain : List.of("password_hash", "password", "email", "phone", "secretary", "name", "keyboard",
                "apikeys_count_x", "tok")) {
            assertThat(rules.isSecret(plain)).as(plain).isFalse();
        }
        assertThat(RedactionRules.none().isSecret("token")).isFalse();
        assertThat(RedactionRules.builder().secretPatterns(List.of()).build().isSecret("token")).isFalse();
        assertThat(RedactionRules.builder().secretPatterns(List.of("a?c")).build().isSecret("ABC")).isTrue();
        assertThat(RedactionRules.fullProfile().requiresEncryption()).isTrue();
        assertThat(RedactionRules.sharingProfile().requiresEncryption()).isFalse();
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().withChars("abcXYZ_09.$ é").ofMaxLength(12);
    }

    @Property(tries = 300)
    void aStarPatternMatchesAnyNameHoldingItsCoreInAnyCase(@ForAll("names") String before,
                                                            @ForAll("names") String after) {
        RedactionRules rules = RedactionRules.builder().secretPatterns(List.of("*token*")).build();
        assertThat(rules.isSecret(before + "ToKeN" + after)).isTrue();
        assertThat(rules.isSecret(before + after)).isEqualTo((before + after).toLowerCase().contains("token"));
        // glob characters of other regex dialects are literal
        RedactionRules literal = RedactionRules.builder().secretPatterns(List.of("a.b+[c]")).build();
        assertThat(literal.isSecret("a.b+[c]")).isTrue();
        assertThat(literal.isSecret("axb+[c]")).isFalse();
    }
}
