package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The Sync Control page ({@code /app/}) with the browser SDK in real Chromium against the real server, signed in with
 * the development demo account as a newcomer would. Each browser is one device (its own profile, IndexedDB and
 * deviceId). Takes the screenshots of docs/screenshots/ (see {@link #SCREENSHOTS}).
 */
@RequiresChromium
class SyncControlPageTest {

    private static final Duration SYNC = Duration.ofSeconds(30);
    /**
     * Where the screenshots go: {@code target/screenshots} of this module, so that a test run leaves the working tree
     * as it was; the ones in docs/screenshots are made with {@code -Doutpost.screenshots=../docs/screenshots}.
     */
    private static final Path SCREENSHOTS = Path.of(System.getProperty("basedir", "."))
            .resolve(System.getProperty("outpost.screenshots", "target/screenshots")).normalize();

    private final OutpostServer server = OutpostServer.shared();
    private final List<Browser> browsers = new ArrayList<>();

    @AfterEach
    void closeBrowsers() {
        browsers.forEach(Browser::close);
    }

    private Browser signedIn() {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(server.url("/app/"));
        browser.waitFor(d -> d.findElement(By.id("signin-form")).isDisplayed());
        browser.driver().findElement(By.id("username")).sendKeys("demo");
        browser.driver().findElement(By.id("password")).sendKeys("demo");
        browser.driver().findElement(By.id("signin-button")).click();
        waitForAppReady(browser);
        return browser;
    }

    /** The app is shown and its first sync (on start) has succeeded. */
    private static void waitForAppReady(Browser browser) {
        browser.waitFor(d -> d.findElement(By.id("app")).isDisplayed(), SYNC);
        browser.waitFor(d -> "idle".equals(badge(browser)) && !lastSync(browser).isEmpty(), SYNC);
    }

    private static String badge(Browser browser) {
        return browser.driver().findElement(By.id("status-badge")).getAttribute("data-state");
    }

    private static String lastSync(Browser browser) {
        return Optional.ofNullable(browser.driver().findElement(By.id("last-sync")).getAttribute("data-time"))
                .orElse("");
    }

    private static int pending(Browser browser) {
        return Integer.parseInt(browser.driver().findElement(By.id("pending-count")).getText().trim());
    }

    private static void addDispense(Browser browser, String medication, String dose) {
        WebElement field = browser.driver().findElement(By.id("field-medication"));
        field.clear();
        field.sendKeys(medication);
        WebElement doseField = browser.driver().findElement(By.id("field-dose"));
        doseField.clear();
        doseField.sendKeys(dose);
        browser.driver().findElement(By.id("field-patient")).sendKeys("P-17");
        browser.driver().findElement(By.id("save-record")).click();
        browser.waitFor(d -> row(browser, medication).isPresent());
    }

    /** The list row showing a medication (rows carry data-id, data-pending and data-version). */
    private static Optional<WebElement> row(Browser browser, String medication) {
        return browser.driver().findElements(By.cssSelector("#records tbody tr")).stream()
                .filter(r -> r.getText().contains(medication)).findFirst();
    }

    private static void syncNow(Browser browser) {
        browser.driver().findElement(By.id("sync-now")).click();
        browser.waitFor(d -> {
            WebElement button = d.findElement(By.id("sync-now"));
            return button.isEnabled() && !"true".equals(button.getAttribute("aria-busy"));
        }, SYNC);
    }

    private JsonNode onServer(String id) {
        return await().atMost(SYNC).until(() -> server.record(OutpostServer.DEMO, "dispenses", id), Optional::isPresent)
                .orElseThrow();
    }

    @Test
    void recordsWrittenOfflineAreListedPendingAndReachTheServerAfterReconnectAndSyncNow() {
        Browser browser = signedIn();
        browser.screenshot(SCREENSHOTS.resolve("sync-control-idle.png"));
        String tag = UUID.randomUUID().toString().substring(0, 8);

        browser.offline(true);
        browser.waitFor(d -> "offline".equals(badge(browser)));
        addDispense(browser, "Amoxicillin " + tag, "500 mg");
        addDispense(browser, "Ibuprofen " + tag, "200 mg");

        assertThat(row(browser, "Amoxicillin " + tag).orElseThrow().getAttribute("data-pending")).isEqualTo("true");
        assertThat(row(browser, "Ibuprofen " + tag).orElseThrow().getAttribute("data-pending")).isEqualTo("true");
        browser.waitFor(d -> pending(browser) == 2);
        browser.screenshot(SCREENSHOTS.resolve("sync-control-offline-pending.png"));

        // back online, but slow: the Sync Now button's loading state stays long enough to be seen
        ChromiumNetworkConditions slow = new ChromiumNetworkConditions();
        slow.setLatency(Duration.ofMillis(1500));
        browser.driver().setNetworkConditions(slow);
        browser.driver().findElement(By.id("sync-now")).click();
        browser.waitFor(d -> "true".equals(d.findElement(By.id("sync-now")).getAttribute("aria-busy")));
        assertThat(browser.driver().findElement(By.id("sync-now")).isEnabled()).isFalse();
        browser.screenshot(SCREENSHOTS.resolve("sync-control-syncing.png"));
        browser.offline(false);
        browser.waitFor(d -> pending(browser) == 0 && "idle".equals(badge(browser)), SYNC);

        assertThat(row(browser, "Amoxicillin " + tag).orElseThrow().getAttribute("data-pending")).isEqualTo("false");
        String id = row(browser, "Amoxicillin " + tag).orElseThrow().getAttribute("data-id");
        JsonNode onServer = onServer(id);
        assertThat(onServer.path("data").path("medication").asText()).isEqualTo("Amoxicillin " + tag);
        assertThat(onServer.path("data").path("dose").asText()).isEqualTo("500 mg");
        assertThat(onServer.path("version").asLong()).isEqualTo(1);
        onServer(row(browser, "Ibuprofen " + tag).orElseThrow().getAttribute("data-id"));
        assertThat(browser.driver().findElement(By.id("last-error")).isDisplayed()).isFalse();
    }

    @Test
    void theAutoSyncIntervalIsKeptAcrossAReload() {
        Browser browser = signedIn();
        Select interval = new Select(browser.driver().findElement(By.id("interval")));
        assertThat(interval.getFirstSelectedOption().getAttribute("value")).isEqualTo("300"); // the 5 min default

        interval.selectByValue("600");
        browser.waitFor(d -> Long.valueOf(600).equals(browser.script(
                "return window.outpost && window.outpost.client.status().autoSync.intervalSeconds")));
        browser.reload();
        waitForAppReady(browser);

        assertThat(new Select(browser.driver().findElement(By.id("interval"))).getFirstSelectedOption()
                .getAttribute("value")).isEqualTo("600");
        assertThat(browser.script("return window.outpost.client.status().autoSync.intervalSeconds")).isEqualTo(600L);
    }

    @Test
    void twoDevicesEditingOneRecordOfflineSeeTheConflictAndResolveIt() {
        Browser a = signedIn();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        addDispense(a, "Metformin " + tag, "850 mg");
        syncNow(a);
        String id = row(a, "Metformin " + tag).orElseThrow().getAttribute("data-id");
        onServer(id);
        Browser b = signedIn(); // pulls the record on start
        b.waitFor(d -> row(b, "Metformin " + tag).isPresent(), SYNC);

        a.offline(true);
        b.offline(true);
        editDose(a, "Metformin " + tag, "1000 mg");
        editDose(b, "Metformin " + tag, "500 mg");
        a.offline(false);
        syncNow(a);
        a.waitFor(d -> pending(a) == 0, SYNC);
        b.offline(false);
        syncNow(b);

        b.waitFor(d -> d.findElement(By.id("conflicts")).isDisplayed()
                && !d.findElements(By.cssSelector("#conflicts li[data-record-id='" + id + "']")).isEmpty(), SYNC);
        WebElement conflict = b.driver().findElement(By.cssSelector("#conflicts li[data-record-id='" + id + "']"));
        assertThat(conflict.getText()).contains("1000 mg").contains("500 mg");
        b.screenshot(SCREENSHOTS.resolve("sync-control-conflict.png"));

        conflict.findElement(By.cssSelector(".keep-server")).click();
        b.waitFor(d -> !d.findElement(By.id("conflicts")).isDisplayed(), SYNC);
        b.waitFor(d -> row(b, "Metformin " + tag).map(r -> r.getText().contains("1000 mg")).orElse(false), SYNC);
        assertThat(onServer(id).path("data").path("dose").asText()).isEqualTo("1000 mg");
    }

    @Test
    void aChangeFromAnotherDeviceAppearsByItself() {
        Browser a = signedIn();
        Browser b = signedIn();
        String tag = UUID.randomUUID().toString().substring(0, 8);

        addDispense(a, "Salbutamol " + tag, "100 mcg");
        syncNow(a);

        // no click on b: the server's poke on b's live stream starts a pull, and the pull refreshes the list
        b.waitFor(d -> row(b, "Salbutamol " + tag).isPresent(), SYNC);
        assertThat(row(b, "Salbutamol " + tag).orElseThrow().getAttribute("data-pending")).isEqualTo("false");
    }

    @Test
    void twoTabsOfOneDeviceShareTheStoreAndOneOfThemLeads() {
        Browser browser = signedIn();
        String first = browser.driver().getWindowHandle();
        browser.driver().switchTo().newWindow(WindowType.TAB);
        browser.open(server.url("/app/")); // the session is kept: straight to the app
        waitForAppReady(browser);
        String second = browser.driver().getWindowHandle();
        String tag = UUID.randomUUID().toString().substring(0, 8);

        // auto-sync off in this tab: the setting is the device's, so the other tab follows, and the write stays queued
        browser.driver().findElement(By.id("auto-sync")).click();
        browser.waitFor(d -> Boolean.FALSE.equals(browser.script(
                "return window.outpost.client.status().autoSync.enabled")));
        addDispense(browser, "Warfarin " + tag, "5 mg");
        browser.driver().switchTo().window(first);
        browser.waitFor(d -> !d.findElement(By.id("auto-sync")).isSelected());
        // the other tab's list refreshes by itself (BroadcastChannel) and shows the op pending
        browser.waitFor(d -> row(browser, "Warfarin " + tag).map(r -> "true".equals(r.getAttribute("data-pending")))
                .orElse(false));
        String id = row(browser, "Warfarin " + tag).orElseThrow().getAttribute("data-id");
        syncNow(browser); // this tab pushes the op the other tab queued
        browser.waitFor(d -> pending(browser) == 0, SYNC);
        assertThat(onServer(id).path("version").asLong()).isEqualTo(1);

        browser.driver().switchTo().window(second);
        browser.waitFor(d -> pending(browser) == 0
                && row(browser, "Warfarin " + tag).map(r -> "false".equals(r.getAttribute("data-pending"))).orElse(false),
                SYNC);
        long leaders = java.util.stream.Stream.of(first, second).filter(handle -> {
            browser.driver().switchTo().window(handle);
            return "true".equals(browser.driver().findElement(By.id("status-badge")).getAttribute("data-leader"));
        }).count();
        assertThat(leaders).as("exactly one tab runs the timers and the live stream").isEqualTo(1);
    }

    private static void editDose(Browser browser, String medication, String dose) {
        row(browser, medication).orElseThrow().findElement(By.cssSelector(".edit")).click();
        WebElement field = browser.driver().findElement(By.id("field-dose"));
        field.clear();
        field.sendKeys(dose);
        browser.driver().findElement(By.id("save-record")).click();
        browser.waitFor(d -> row(browser, medication).map(r -> r.getText().contains(dose)
                && "true".equals(r.getAttribute("data-pending"))).orElse(false));
    }

    @Test
    void aReloadWhileThePushIsInFlightLosesNothingAndAppliesNothingTwice() {
        Browser browser = signedIn();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        browser.offline(true);
        List<String> medications = List.of("Atorvastatin " + tag, "Lisinopril " + tag, "Omeprazole " + tag);
        for (String m : medications) {
            addDispense(browser, m, "10 mg");
        }
        List<String> ids = medications.stream()
                .map(m -> row(browser, m).orElseThrow().getAttribute("data-id")).toList();

        ChromiumNetworkConditions slow = new ChromiumNetworkConditions();
        slow.setLatency(Duration.ofMillis(1500));
        browser.driver().setNetworkConditions(slow);
        browser.driver().findElement(By.id("sync-now")).click();
        browser.waitFor(d -> "true".equals(d.findElement(By.id("sync-now")).getAttribute("aria-busy")));
        browser.reload(); // mid-queue: the push may or may not have reached the server
        browser.offline(false);
        waitForAppReady(browser);
        browser.waitFor(d -> pending(browser) == 0, SYNC);

        for (int i = 0; i < ids.size(); i++) {
            JsonNode record = onServer(ids.get(i));
            assertThat(record.path("data").path("medication").asText()).isEqualTo(medications.get(i));
            assertThat(record.path("version").asLong()).as("applied once").isEqualTo(1);
            assertThat(row(browser, medications.get(i))).isPresent();
        }
    }
}
