package io.backupkit.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The settings page in a real browser (Debian's chromium and chromedriver, headless): the
 * super-admin backs up, previews, restores and undoes while a ticket timer keeps running; a
 * technician sees no backup section and gets 403 from the API. A failing test leaves a
 * screenshot in {@code target/screenshots}.
 */
class BrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    Path data;
    @TempDir
    Path profile;

    private DemoServer server;
    private WebDriver driver;
    private String base;

    @BeforeEach
    void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "false".equalsIgnoreCase(System.getProperty("backupkit.requireClis", "true"))) {
            org.junit.jupiter.api.Assumptions.abort("chromium or chromedriver missing; skipped (backupkit.requireClis=false)");
        }
        assertThat(CHROMIUM).as("chromium is needed (apt-get install chromium chromium-driver; .ci/run does it), "
                + "or run with -Dbackupkit.requireClis=false to skip").isExecutable();
        assertThat(CHROMEDRIVER).as("chromedriver is needed (apt-get install chromium-driver)").isExecutable();
        server = DemoServer.start(new DemoServer.Config(data, 0, "pw", Duration.ofHours(6), Duration.ofMillis(500)));
        base = "http://127.0.0.1:" + server.port();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--user-data-dir=" + profile,
                "--window-size=1360,1800");
        // The Debian driver, given explicitly: Selenium Manager never downloads anything.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void superAdminBacksUpPreviewsRestoresAndUndoesWhileTheTimerRuns(TestInfo info) throws Exception {
        onFailureScreenshot(info, () -> {
            login("admin@demo.local");
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("backup-section")));
            assertThat(driver.findElement(By.tagName("h2")).getText()).isNotBlank();
            wait.until(d -> d.findElement(By.id("bk-list")).getText().contains("Aucune sauvegarde"));

            // Create a backup and watch the bar go to 100%.
            driver.findElement(By.id("bk-create")).click();
            List<Integer> seen = new ArrayList<>();
            wait.until(d -> {
                String p = d.findElement(By.id("bk-create-bar")).getAttribute("data-percent");
                if (p != null && !p.isEmpty()) {
                    seen.add(Integer.parseInt(p));
                }
                return "100".equals(p) && d.findElement(By.id("bk-create-bar")).getAttribute("class").contains("done");
            });
            assertThat(seen).last().isEqualTo(100);
            assertThat(driver.findElement(By.id("bk-create-label")).getText()).contains("100 %");
            assertThat(driver.findElement(By.id("bk-create-bar")).getAttribute("style")).contains("width: 100%");

            // Listed, with its label and size.
            wait.until(d -> rows().size() == 1);
            assertThat(rows().get(0).getText()).contains("manuelle").containsPattern("\\d+(\\.\\d)? (o|Ko|Mo)");
            wait.until(d -> !d.findElement(By.id("bk-last")).getText().equals("Aucune")
                    && !d.findElement(By.id("bk-last")).getText().equals("—"));
            assertThat(driver.findElement(By.id("bk-next")).getText()).contains("toutes les 6 h");

            // Verify it (deep): the row says so, from the record the library keeps in the sidecar.
            assertThat(rows().get(0).getText()).contains("Non vérifiée");
            rows().get(0).findElement(By.cssSelector("button[data-act=verify]")).click();
            wait.until(d -> rows().size() == 1 && rows().get(0).getText().contains("✓ Vérifiée"));

            // Preview: one line of summary and a row per table.
            rows().get(0).findElement(By.cssSelector("button[data-act=preview]")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("bk-preview")));
            wait.until(d -> !d.findElement(By.id("bk-preview-summary")).getText().isBlank());
            assertThat(driver.findElements(By.cssSelector("#bk-preview-table tbody tr"))).hasSize(7);
            assertThat(driver.findElement(By.id("bk-preview-table")).getText()).contains("tickets", "ticket_comments");

            // Restore: the button stays disabled until RESTAURER is typed.
            WebElement restore = driver.findElement(By.id("bk-restore"));
            assertThat(restore.isEnabled()).isFalse();
            driver.findElement(By.id("bk-confirm")).sendKeys("restaurer");
            assertThat(restore.isEnabled()).isFalse();
            driver.findElement(By.id("bk-confirm")).clear();
            driver.findElement(By.id("bk-confirm")).sendKeys("RESTAURER");
            assertThat(restore.isEnabled()).isTrue();
            restore.click();
            wait.until(d -> d.findElement(By.id("bk-restore-bar")).getAttribute("class").contains("done"));
            wait.until(d -> d.findElement(By.id("bk-restore-detail")).getText().contains("Restauration terminée"));
            // The restore's safety backup is listed too.
            wait.until(d -> rows().size() == 2);
            assertThat(driver.findElement(By.id("bk-list")).getText()).contains("pre-restore");
            screenshot("settings-after-restore");

            // A ticket timer is still running and counting.
            driver.get(base + "/tickets");
            WebElement running = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("tr[data-ticket] .timer.running")));
            String ticket = running.findElement(By.xpath("./ancestor::tr")).getAttribute("data-ticket");
            screenshot("tickets-page");
            driver.get(base + "/tickets/" + ticket);
            WebElement timer = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("#ticket-timer .timer")));
            assertThat(timer.getAttribute("class")).contains("running");
            long first = seconds(timer.getText());
            wait.until(d -> seconds(d.findElement(By.cssSelector("#ticket-timer .timer")).getText()) >= first + 2);
            assertThat(first).isGreaterThan(60);   // it started minutes ago, not at the restore
            screenshot("ticket-page");

            // Undo.
            driver.get(base + "/settings");
            wait.until(d -> rows().size() == 2);
            driver.findElement(By.id("bk-undo")).click();
            wait.until(ExpectedConditions.alertIsPresent()).accept();
            wait.until(d -> d.findElement(By.id("bk-message")).getText().contains("Dernière restauration annulée"));
            wait.until(d -> rows().size() == 3);
            // The audit log, newest first: the undo, the restore, the preview, the backup, by this user.
            wait.until(d -> d.findElement(By.id("bk-audit")).getText().contains("Annulation"));
            List<WebElement> audit = driver.findElements(By.cssSelector("#bk-audit tbody tr"));
            assertThat(audit.get(0).getText()).contains("admin@demo.local", "Annulation", "Réussi");
            assertThat(driver.findElement(By.id("bk-audit")).getText()).contains("Restauration", "Aperçu", "Sauvegarde");
            driver.findElement(By.id("bk-audit-verify")).click();
            wait.until(d -> d.findElement(By.id("bk-audit-check")).getText().startsWith("Journal intègre"));
            screenshot("settings-page");
        });
    }

    @Test
    void otherRolesSeeNoBackupSectionAndGet403(TestInfo info) throws Exception {
        onFailureScreenshot(info, () -> {
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
            // An admin (not super-admin) has the settings page, without the backup section.
            login("manager@demo.local");
            driver.get(base + "/settings");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.tagName("table")));
            assertThat(driver.getPageSource()).contains("Paramètres généraux");
            assertThat(driver.findElements(By.id("backup-section"))).isEmpty();
            assertThat(fetchStatus("/api/admin/backups")).isEqualTo(403);
            driver.findElement(By.cssSelector("form[action='/logout'] button")).click();
            wait.until(ExpectedConditions.urlContains("/login"));

            // A technician: no settings link, no section anywhere, 403 from every backup route.
            login("tech@demo.local");
            wait.until(ExpectedConditions.urlContains("/tickets"));
            assertThat(driver.findElements(By.cssSelector("a[href='/settings']"))).isEmpty();
            assertThat(driver.findElements(By.id("backup-section"))).isEmpty();
            driver.get(base + "/settings");
            assertThat(driver.findElements(By.id("backup-section"))).isEmpty();
            driver.get(base + "/tickets");
            assertThat(fetchStatus("/api/admin/backups")).isEqualTo(403);
            assertThat(fetchStatus("/api/admin/backup/status")).isEqualTo(403);
            assertThat(postStatus("/api/admin/backups")).isEqualTo(403);

            // The technician's own work: a message with a photo, stored in the media folder.
            Path photo = profile.resolve("photo.png");
            Files.write(photo, java.util.Base64.getDecoder().decode(
                    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
            driver.get(base + "/messages");
            driver.findElement(By.cssSelector("#new-message input[name=body]")).sendKeys("Courroie remplacée, voir photo");
            driver.findElement(By.cssSelector("#new-message input[type=file]")).sendKeys(photo.toString());
            driver.findElement(By.cssSelector("#new-message button[type=submit]")).click();
            wait.until(d -> d.getPageSource().contains("Courroie remplacée, voir photo"));
            WebElement img = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("img.thumb")));
            assertThat(((Number) ((JavascriptExecutor) driver).executeScript("return arguments[0].naturalWidth;", img))
                    .intValue()).isEqualTo(1);
            try (var media = Files.walk(data.resolve("media"))) {
                assertThat(media.filter(p -> p.toString().endsWith(".png"))).hasSize(1);
            }
            screenshot("messages-page");
        });
    }

    private List<WebElement> rows() {
        return driver.findElements(By.cssSelector("#bk-list tbody tr[data-id]"));
    }

    private void login(String email) {
        driver.get(base + "/login");
        driver.findElement(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys("pw");
        driver.findElement(By.id("login-submit")).click();
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> !d.getCurrentUrl().endsWith("/login"));
    }

    private long fetchStatus(String path) {
        Object status = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done(r.status));", path);
        return ((Number) status).longValue();
    }

    private long postStatus(String path) {
        Object status = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1]; fetch(arguments[0], {method: 'POST', headers: "
                        + "{'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}})"
                        + ".then(r => done(r.status));", path);
        return ((Number) status).longValue();
    }

    private static long seconds(String hms) {
        String[] p = hms.trim().split(":");
        return Long.parseLong(p[0]) * 3600 + Long.parseLong(p[1]) * 60 + Long.parseLong(p[2]);
    }

    @FunctionalInterface
    private interface Steps {
        void run() throws Exception;
    }

    private void onFailureScreenshot(TestInfo info, Steps steps) throws Exception {
        try {
            steps.run();
        } catch (Exception | AssertionError e) {
            screenshot("FAILED-" + info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test"));
            throw e;
        }
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
