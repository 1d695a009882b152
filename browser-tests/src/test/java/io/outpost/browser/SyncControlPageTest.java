package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
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
 *
 * <p>The shared server has the default configuration: no declared collections, undeclared ones accepted, so the page
 * shows an undeclared {@code dispenses} without a schema (a field per key seen in the records, more as JSON). The
 * schema tests run against a server of their own with the {@code examples/pharmacy} configuration
 * ({@link #pharmacy()}: collections {@code patients} and {@code dispenses} with the example's JSON Schemas).
 */
@RequiresChromium
class SyncControlPageTest {

    static final Duration SYNC = Duration.ofSeconds(30);
    /**
     * Where the screenshots go: {@code target/screenshots} of this module, so that a test run leaves the working tree
     * as it was; the ones in docs/screenshots are made with {@code -Doutpost.screenshots=../docs/screenshots}.
     */
    static final Path SCREENSHOTS = Path.of(System.getProperty("basedir", "."))
            .resolve(System.getProperty("outpost.screenshots", "target/screenshots")).normalize();

    /** The example's accounts (examples/pharmacy/outpost.yml; demo passwords). */
    private static final String PHARMACIST = "pharmacist1";
    private static final String PHARMACIST_PASSWORD = "pharmacy-demo-1";
    private static final String PHARMACY_TENANT = "pharmacy-demo";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static OutpostServer pharmacy;
    private static OutpostServer vetClinic;

    private final OutpostServer server = OutpostServer.shared();
    private final List<Browser> browsers = new ArrayList<>();

    @AfterEach
    void closeBrowsers() {
        browsers.forEach(Browser::close);
    }

    @AfterAll
    static void stopPharmacy() {
        if (pharmacy != null) pharmacy.close();
        pharmacy = null;
        if (vetClinic != null) vetClinic.close();
        vetClinic = null;
    }

    /**
     * A server with the pharmacy example's configuration as its README starts it ({@code examples/pharmacy/outpost.yml}:
     * only {@code patients} and {@code dispenses}, with their schemas; its accounts), started on first use. The
     * schema paths in that file are relative to the repository root, so they are given here absolutely.
     */
    private static synchronized OutpostServer pharmacy() {
        if (pharmacy == null) {
            Path example = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../examples/pharmacy")
                    .normalize();
            pharmacy = OutpostServer.start(
                    "--spring.config.additional-location=file:" + example.resolve("outpost.yml"),
                    "--sync.collections.patients.schema=file:" + example.resolve("schemas/patients.schema.json"),
                    "--sync.collections.dispenses.schema=file:" + example.resolve("schemas/dispenses.schema.json"));
        }
        return pharmacy;
    }

    /** The vet-clinic example's server (appointments get their ids from the server), started on first use. */
    private static synchronized OutpostServer vetClinic() {
        if (vetClinic == null) {
            Path example = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../examples/vet-clinic")
                    .normalize();
            vetClinic = OutpostServer.start(
                    "--spring.config.additional-location=file:" + example.resolve("outpost.yml"),
                    "--sync.collections.pets.schema=file:" + example.resolve("schemas/pets.schema.json"),
                    "--sync.collections.appointments.schema=file:"
                            + example.resolve("schemas/appointments.schema.json"));
        }
        return vetClinic;
    }

    private Browser signedIn() {
        return signedIn(server, "demo", "demo");
    }

    private Browser signedIn(OutpostServer target, String username, String password) {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(target.url("/app/"));
        signIn(browser, username, password);
        return browser;
    }

    static void signIn(Browser browser, String username, String password) {
        browser.waitFor(d -> d.findElement(By.id("signin-form")).isDisplayed());
        WebElement user = browser.driver().findElement(By.id("username"));
        user.clear();
        user.sendKeys(username);
        browser.driver().findElement(By.id("password")).sendKeys(password);
        browser.driver().findElement(By.id("signin-button")).click();
        waitForAppReady(browser);
    }

    /** The app is shown and its first sync (on start) has succeeded. */
    static void waitForAppReady(Browser browser) {
        browser.waitFor(d -> d.findElement(By.id("app")).isDisplayed(), SYNC);
        browser.waitFor(d -> "idle".equals(badge(browser)) && !lastSync(browser).isEmpty(), SYNC);
    }

    static String badge(Browser browser) {
        return browser.driver().findElement(By.id("status-badge")).getAttribute("data-state");
    }

    private static String lastSync(Browser browser) {
        return Optional.ofNullable(browser.driver().findElement(By.id("last-sync")).getAttribute("data-time"))
                .orElse("");
    }

    static int pending(Browser browser) {
        return Integer.parseInt(browser.driver().findElement(By.id("pending-count")).getText().trim());
    }

    /** A dispense in the undeclared {@code dispenses} of the shared server (no schema). */
    static void addDispense(Browser browser, String medication, String dose) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("medication", medication);
        values.put("dose", dose);
        values.put("patient", "P-17");
        fillLoose(browser, values);
        browser.driver().findElement(By.id("save-record")).click();
        browser.waitFor(d -> row(browser, medication).isPresent());
    }

    /**
     * Fills the form of a collection without a schema: a key with a field of its own (one per key seen in the
     * records) goes there, the others into "More fields (JSON)".
     */
    private static void fillLoose(Browser browser, Map<String, String> values) {
        Map<String, String> extra = new LinkedHashMap<>();
        values.forEach((key, value) -> {
            List<WebElement> field = browser.driver().findElements(By.id("field-" + key));
            if (field.isEmpty()) {
                extra.put(key, value);
            } else {
                field.get(0).clear();
                field.get(0).sendKeys(value);
            }
        });
        WebElement json = browser.driver().findElement(By.id("record-extra"));
        json.clear();
        if (!extra.isEmpty()) json.sendKeys(toJson(extra));
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static WebElement byId(Browser browser, String id) {
        return browser.driver().findElement(By.id(id));
    }

    /** Types into a schema field of the form (cleared first). */
    private static void type(Browser browser, String field, String value) {
        WebElement input = byId(browser, "field-" + field);
        input.clear();
        input.sendKeys(value);
    }

    /** Sets a date or date-time input's value as the browser holds it (typing into one depends on the locale). */
    private static void setValue(Browser browser, String field, String value) {
        browser.script("const e = arguments[0]; e.value = arguments[1]; e.dispatchEvent(new Event('input'));",
                byId(browser, "field-" + field), value);
    }

    private static void selectCollection(Browser browser, String name, String fieldOfIt) {
        new Select(byId(browser, "collection")).selectByValue(name);
        browser.waitFor(d -> !d.findElements(By.id("field-" + fieldOfIt)).isEmpty()
                && name.equals(d.findElement(By.id("records")).getAttribute("data-collection")));
    }

    /** Before a screenshot: the toast away, the part shown at the top. */
    static void tidyForScreenshot(Browser browser, String topId) {
        browser.script("document.getElementById('toast').hidden = true;"
                + " document.getElementById(arguments[0]).scrollIntoView({block: 'center'});", topId);
    }

    private static String lastResult(Browser browser, String attribute) {
        return Optional.ofNullable(byId(browser, "last-result").getAttribute("data-" + attribute)).orElse("");
    }

    /** The list row showing a medication (rows carry data-id, data-pending and data-version). */
    static Optional<WebElement> row(Browser browser, String medication) {
        return browser.driver().findElements(By.cssSelector("#records tbody tr")).stream()
                .filter(r -> r.getText().contains(medication)).findFirst();
    }

    static void syncNow(Browser browser) {
        browser.driver().findElement(By.id("sync-now")).click();
        browser.waitFor(d -> {
            WebElement button = d.findElement(By.id("sync-now"));
            return button.isEnabled() && !"true".equals(button.getAttribute("aria-busy"));
        }, SYNC);
    }

    private JsonNode onServer(String id) {
        return onServer(server, OutpostServer.DEMO, "dispenses", id);
    }

    private static JsonNode onServer(OutpostServer target, String tenant, String collection, String id) {
        return await().atMost(SYNC).until(() -> target.record(tenant, collection, id), Optional::isPresent)
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
        // not "version 0": the server has not confirmed them yet
        assertThat(row(browser, "Amoxicillin " + tag).orElseThrow().findElement(By.cssSelector(".c-version"))
                .getText()).isEqualTo("not synced yet");
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
        browser.waitFor(d -> row(browser, "Amoxicillin " + tag).map(r -> "1".equals(
                r.findElement(By.cssSelector(".c-version")).getText())).orElse(false));
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

    @Test
    void theLastResultBoxAlsoShowsTheSyncsTheSdkStartsByItself() {
        Browser browser = signedIn();
        // the sync on start is one: no Sync Now was clicked
        browser.waitFor(d -> d.findElement(By.id("last-result")).isDisplayed()
                && "auto".equals(lastResult(browser, "trigger")));
        assertThat(byId(browser, "last-result").getText()).contains("Automatic sync");
        Instant before = Instant.parse(lastResult(browser, "finished-at"));
        String tag = UUID.randomUUID().toString().substring(0, 8);

        addDispense(browser, "Cetirizine " + tag, "10 mg"); // the SDK syncs about 2 s after a write
        Instant written = Instant.now();
        browser.waitFor(d -> pending(browser) == 0 && "auto".equals(lastResult(browser, "trigger"))
                && "ok".equals(lastResult(browser, "state"))
                && Instant.parse(lastResult(browser, "finished-at")).isAfter(before)
                && !Instant.parse(lastResult(browser, "finished-at")).isBefore(written.minusSeconds(1)), SYNC);
        assertThat(byId(browser, "last-result").getText()).contains("Automatic sync").contains("received");
        assertThat(lastResult(browser, "waiting")).isEqualTo("0");
        onServer(row(browser, "Cetirizine " + tag).orElseThrow().getAttribute("data-id"));
    }

    @Test
    void signingOutWithUnsentChangesAsksFirstAndTheChangesStayQueuedForTheUser() {
        Browser browser = signedIn();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        browser.offline(true);
        browser.waitFor(d -> "offline".equals(badge(browser)));
        addDispense(browser, "Levothyroxine " + tag, "50 mcg");
        String id = row(browser, "Levothyroxine " + tag).orElseThrow().getAttribute("data-id");
        browser.waitFor(d -> pending(browser) == 1);

        byId(browser, "signout").click();
        browser.waitFor(d -> d.findElement(By.id("signout-dialog")).isDisplayed());
        String warning = byId(browser, "signout-dialog").getText();
        assertThat(warning).contains("1 change made on this device has not been sent to the server yet")
                .contains("queued in this device's store for demo").contains("Cancel");
        byId(browser, "signout-cancel").click();
        browser.waitFor(d -> !d.findElement(By.id("signout-dialog")).isDisplayed());
        assertThat(byId(browser, "app").isDisplayed()).isTrue();
        assertThat(pending(browser)).isEqualTo(1);

        byId(browser, "signout").click();
        browser.waitFor(d -> d.findElement(By.id("signout-dialog")).isDisplayed());
        byId(browser, "signout-confirm").click();
        browser.waitFor(d -> d.findElement(By.id("signin-form")).isDisplayed());
        assertThat(server.record(OutpostServer.DEMO, "dispenses", id)).isEmpty();

        // the change waited in the device's store: signing in again sends it
        browser.offline(false);
        signIn(browser, "demo", "demo");
        assertThat(onServer(id).path("data").path("medication").asText()).isEqualTo("Levothyroxine " + tag);
        browser.waitFor(d -> pending(browser) == 0, SYNC);
        // nothing unsent: the dialog says so and only offers to erase this device's data (not chosen: it stays)
        byId(browser, "signout").click();
        browser.waitFor(d -> d.findElement(By.id("signout-dialog")).isDisplayed());
        assertThat(byId(browser, "signout-dialog-text").getText()).contains("has reached the server");
        assertThat(byId(browser, "signout-erase").isSelected()).isFalse();
        assertThat(byId(browser, "signout-confirm").getText()).isEqualTo("Sign out");
        byId(browser, "signout-confirm").click();
        browser.waitFor(d -> d.findElement(By.id("signin-form")).isDisplayed());
        assertThat(byId(browser, "signout-dialog").isDisplayed()).isFalse();
        assertThat(browser.await("return (await indexedDB.databases()).map(d => d.name)")).asList()
                .contains("outpost-demo");
    }

    @Test
    void theFormAndTheListFollowTheSchemaOfThePharmacyExample() {
        OutpostServer target = pharmacy();
        Browser browser = signedIn(target, PHARMACIST, PHARMACIST_PASSWORD);
        String tag = UUID.randomUUID().toString().substring(0, 8);

        Select collection = new Select(byId(browser, "collection"));
        assertThat(collection.getOptions()).extracting(o -> o.getAttribute("value"))
                .containsExactly("dispenses", "patients");
        assertThat(collection.getFirstSelectedOption().getAttribute("value")).isEqualTo("dispenses");
        browser.waitFor(d -> !d.findElements(By.id("field-doseMg")).isEmpty());
        // a field per schema property, typed after it; required ones marked; none of the old hard-wired fields
        assertThat(byId(browser, "field-doseMg").getAttribute("type")).isEqualTo("number");
        assertThat(byId(browser, "field-quantity").getAttribute("step")).isEqualTo("1");
        assertThat(byId(browser, "field-dispensedAt").getAttribute("type")).isEqualTo("datetime-local");
        assertThat(byId(browser, "field-patientId").getTagName()).isEqualTo("select");
        assertThat(new Select(byId(browser, "field-unit")).getOptions()).extracting(WebElement::getText)
                .contains("tablet", "capsule", "ml");
        assertThat(browser.driver().findElement(By.cssSelector("label[for='field-doseMg']")).getText())
                .isEqualTo("Dose (mg) *");
        assertThat(browser.driver().findElement(By.cssSelector("label[for='field-notes']")).getText())
                .isEqualTo("Notes");
        assertThat(browser.driver().findElements(By.id("field-dose"))).isEmpty();
        // the columns (the table shows once there are records)
        assertThat(browser.driver().findElements(By.cssSelector("#records thead th")))
                .extracting(th -> th.getAttribute("textContent")).containsSubsequence("Status", "Patient ID",
                        "Medication", "Dose (mg)", "Quantity", "Unit", "Dispensed at", "Pharmacist", "Prescription ref",
                        "Status", "Notes", "Version");

        // a patient first: a dispense must name one
        selectCollection(browser, "patients", "givenName");
        assertThat(byId(browser, "field-dateOfBirth").getAttribute("type")).isEqualTo("date");
        assertThat(byId(browser, "field-sex").getTagName()).isEqualTo("select");
        type(browser, "givenName", "Ada");
        type(browser, "familyName", "Lovelace " + tag);
        setValue(browser, "dateOfBirth", "1815-12-10");
        type(browser, "allergies", "penicillin, latex");
        byId(browser, "save-record").click();
        browser.waitFor(d -> row(browser, "Lovelace " + tag).isPresent());
        String patientId = row(browser, "Lovelace " + tag).orElseThrow().getAttribute("data-id");
        assertThat(row(browser, "Lovelace " + tag).orElseThrow().getText()).contains("penicillin, latex");

        selectCollection(browser, "dispenses", "doseMg");
        browser.offline(true);
        browser.waitFor(d -> "offline".equals(badge(browser)));
        // the reference field lists the patients on this device
        browser.waitFor(d -> !d.findElements(By.cssSelector("#field-patientId option[value='" + patientId + "']"))
                .isEmpty());
        new Select(byId(browser, "field-patientId")).selectByValue(patientId);
        type(browser, "medication", "amoxicillin " + tag);
        type(browser, "doseMg", "500");
        type(browser, "quantity", "21");
        new Select(byId(browser, "field-unit")).selectByVisibleText("capsule");
        type(browser, "pharmacist", "J. Doe");
        assertThat(byId(browser, "field-dispensedAt").getAttribute("value")).as("a new dispense is now").isNotEmpty();
        byId(browser, "save-record").click();
        browser.waitFor(d -> row(browser, "amoxicillin " + tag).isPresent());
        WebElement dispense = row(browser, "amoxicillin " + tag).orElseThrow();
        assertThat(dispense.getText()).as("the patient by name").contains("Ada Lovelace " + tag);
        assertThat(dispense.findElement(By.cssSelector(".c-version")).getText()).isEqualTo("not synced yet");
        assertThat(byId(browser, "records-order").getText()).isEqualTo("Newest first, by Dispensed at.");
        String id = dispense.getAttribute("data-id");
        tidyForScreenshot(browser, "save-record");
        browser.screenshot(SCREENSHOTS.resolve("sync-control-schema.png"));

        browser.offline(false);
        syncNow(browser);
        browser.waitFor(d -> pending(browser) == 0, SYNC);
        assertThat(browser.driver().findElement(By.id("failed")).isDisplayed()).as("nothing rejected").isFalse();
        JsonNode data = onServer(target, PHARMACY_TENANT, "dispenses", id).path("data");
        assertThat(data.path("doseMg").isNumber()).as("a number, not a string: %s", data).isTrue();
        assertThat(data.path("doseMg").asDouble()).isEqualTo(500.0);
        assertThat(data.path("quantity").isInt()).isTrue();
        assertThat(data.path("quantity").asInt()).isEqualTo(21);
        assertThat(data.path("unit").asText()).isEqualTo("capsule");
        assertThat(data.path("patientId").asText()).isEqualTo(patientId);
        assertThat(data.path("dispensedAt").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
        JsonNode patient = onServer(target, PHARMACY_TENANT, "patients", patientId).path("data");
        assertThat(patient.path("allergies").isArray()).isTrue();
        assertThat(patient.path("allergies")).extracting(JsonNode::asText).containsExactly("penicillin", "latex");

        // the collection picked is kept for the user
        selectCollection(browser, "patients", "givenName");
        browser.reload();
        waitForAppReady(browser);
        assertThat(new Select(byId(browser, "collection")).getFirstSelectedOption().getAttribute("value"))
                .isEqualTo("patients");
    }

    @Test
    void requiredFieldsAndTheSchemasRulesAreCheckedBeforeAnythingIsQueued() {
        Browser browser = signedIn(pharmacy(), PHARMACIST, PHARMACIST_PASSWORD);
        browser.waitFor(d -> !d.findElements(By.id("field-doseMg")).isEmpty());
        type(browser, "medication", "ibuprofen");
        byId(browser, "save-record").click();
        browser.waitFor(d -> d.findElement(By.id("record-error")).isDisplayed());
        assertThat(byId(browser, "record-error").getText()).contains("Patient ID: is required")
                .contains("Dose (mg): is required").contains("Quantity: is required").contains("Unit: is required")
                .contains("Pharmacist: is required").doesNotContain("Medication").doesNotContain("Notes");
        assertThat(byId(browser, "field-doseMg").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(byId(browser, "field-medication").getAttribute("aria-invalid")).isNull();

        type(browser, "doseMg", "0");
        type(browser, "quantity", "2.5");
        byId(browser, "save-record").click();
        browser.waitFor(d -> d.findElement(By.id("record-error")).getText().contains("Dose (mg): must be more than 0"));
        assertThat(byId(browser, "record-error").getText()).contains("Quantity: must be a whole number");

        assertThat(pending(browser)).isZero();
        assertThat(browser.driver().findElements(By.cssSelector("#queue-list li"))).isEmpty();
        assertThat(browser.await("return (await window.outpost.client.pendingOps()).length")).isEqualTo(0L);
    }

    @Test
    void aChangeTheServerRejectsIsExplainedInPlainWords() {
        OutpostServer target = pharmacy();
        Browser browser = signedIn(target, PHARMACIST, PHARMACIST_PASSWORD);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        // written past the form, as an older app or another tool on the device would: the server's schema refuses it.
        // An SDK that knows the schemas refuses such a write itself, so it is made to forget them first (an older SDK
        // has no catalog: nothing to forget)
        browser.await("""
                const c = window.outpost.client;
                await c.records('patients').create('pat-' + arguments[0], {givenName: 'Grace', familyName: 'Hopper',
                  dateOfBirth: '1906-12-09'});
                if (c.catalog && typeof c.catalog.load === 'function') c.catalog.load(null);
                await c.records('dispenses').create('bad-' + arguments[0], {patientId: 'pat-' + arguments[0],
                  medication: 'amoxicillin', doseMg: 500, quantity: 0, unit: 'capsule',
                  dispensedAt: '2024-05-01T10:00:00Z', pharmacist: 'J. Doe', dose: '500 mg'});
                await c.records('dispenses').create('orphan-' + arguments[0], {patientId: 'nobody-' + arguments[0],
                  medication: 'amoxicillin', doseMg: 500, quantity: 1, unit: 'capsule',
                  dispensedAt: '2024-05-01T10:00:00Z', pharmacist: 'J. Doe'});
                """, tag);
        syncNow(browser);

        browser.waitFor(d -> d.findElements(By.cssSelector("#failed li.failed-item")).size() >= 2, SYNC);
        WebElement invalid = browser.driver().findElement(By.cssSelector("#failed li[data-record-id='bad-" + tag + "']"));
        String text = invalid.getText();
        assertThat(text).contains("some fields are not valid").contains("Quantity: must be at least 1")
                .contains("“dose” is not a field of a medication dispense").doesNotContain("$")
                .doesNotContain("validation_failed");
        WebElement details = invalid.findElement(By.cssSelector("details"));
        assertThat(details.getAttribute("open")).as("the technical text is folded away").isNull();
        assertThat(details.getAttribute("textContent")).contains("validation_failed").contains("$.quantity");

        WebElement orphan = browser.driver().findElement(
                By.cssSelector("#failed li[data-record-id='orphan-" + tag + "']"));
        assertThat(orphan.getText()).contains("Patient ID: there is no patient “nobody-" + tag + "”")
                .doesNotContain("invalid_reference");
        tidyForScreenshot(browser, "failed");
        browser.screenshot(SCREENSHOTS.resolve("sync-control-rejected.png"));
    }

    /** The badge's words and its {@code data-summary} (the SDK's {@code status.summary}), as {@code summary|text}. */
    private static String badgeShown(Browser browser) {
        return browser.script("const b = document.getElementById('status-badge');"
                + " return b.dataset.summary + '|' + document.getElementById('status-text').textContent;").toString();
    }

    private static String badgeColor(Browser browser) {
        return String.valueOf(browser.script(
                "return getComputedStyle(document.getElementById('status-badge')).color"));
    }

    @Test
    void theBadgeSaysSyncedOnlyWhenNothingIsPendingRejectedOrInConflict() {
        OutpostServer target = pharmacy();
        Browser browser = signedIn(target, PHARMACIST, PHARMACIST_PASSWORD);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        browser.waitFor(d -> "synced|Synced".equals(badgeShown(browser)));
        assertThat(badgeColor(browser)).isEqualTo("rgb(21, 128, 61)"); // --green
        // every badge the page shows from now on (no polling race with the 2 s between a write and its sync)
        browser.script("""
                window.__badges = [];
                const b = document.getElementById('status-badge');
                new MutationObserver(() => window.__badges.push(b.dataset.summary + '|'
                  + document.getElementById('status-text').textContent + '|' + getComputedStyle(b).color))
                  .observe(b, {attributes: true, childList: true, subtree: true, characterData: true});
                """);

        // online: a write waits for the sync after writes (amber "1 change waiting"), then it is synced
        browser.await("await window.outpost.client.records('patients').create('pa-' + arguments[0],"
                + " {givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1815-12-10'});", tag);
        browser.waitFor(d -> "synced|Synced".equals(badgeShown(browser)) && pending(browser) == 0, SYNC);
        assertThat(browser.script("return window.__badges")).asList()
                .contains("pending|1 change waiting|rgb(146, 64, 14)"); // --amber
        onServer(target, PHARMACY_TENANT, "patients", "pa-" + tag);

        // offline with a pending change (a sync the live stream's poke started may still end well: the sync after
        // the write finds the network gone at the latest)
        browser.offline(true);
        browser.await("await window.outpost.client.records('patients').create('pb-' + arguments[0],"
                + " {givenName: 'Alan', familyName: 'Turing', dateOfBirth: '1912-06-23'});", tag);
        browser.waitFor(d -> pending(browser) == 1 && "offline".equals(badge(browser)), SYNC);
        assertThat(badgeShown(browser)).isEqualTo("offline|Offline");
        assertThat(badgeColor(browser)).isEqualTo("rgb(146, 64, 14)");
        browser.offline(false);
        syncNow(browser);
        browser.waitFor(d -> "synced|Synced".equals(badgeShown(browser)) && pending(browser) == 0, SYNC);
        onServer(target, PHARMACY_TENANT, "patients", "pb-" + tag);

        // a change the server rejects (a patient that does not exist: the SDK cannot know that): red, and not
        // "Synced" although the sync itself went well
        browser.await("await window.outpost.client.records('dispenses').create('bad-' + arguments[0],"
                + " {patientId: 'nobody-' + arguments[0], medication: 'amoxicillin', doseMg: 500, quantity: 1,"
                + " unit: 'capsule', dispensedAt: '2024-05-01T10:00:00Z', pharmacist: 'J. Doe'});", tag);
        syncNow(browser);
        browser.waitFor(d -> "attention|1 rejected".equals(badgeShown(browser)), SYNC);
        assertThat(badge(browser)).isEqualTo("idle");
        assertThat(pending(browser)).isZero();
        assertThat(badgeColor(browser)).isEqualTo("rgb(185, 28, 28)"); // --red

        // the rejected change discarded: everything is synced again
        browser.await("const c = window.outpost.client; const [f] = await c.failedOps(); await c.discard(f.opId);");
        browser.waitFor(d -> "synced|Synced".equals(badgeShown(browser)), SYNC);
        assertThat(badgeColor(browser)).isEqualTo("rgb(21, 128, 61)");
    }

    @Test
    void aCollectionWithServerIdsCreatesWithATemporaryIdThatTheServerReplaces() {
        OutpostServer target = vetClinic();
        Browser browser = signedIn(target, "reception", "vet-reception-1");
        String tag = UUID.randomUUID().toString().substring(0, 8);
        // no dispenses on this server: the first collection is shown
        assertThat(new Select(byId(browser, "collection")).getFirstSelectedOption().getAttribute("value"))
                .isEqualTo("appointments");

        selectCollection(browser, "pets", "species");
        type(browser, "name", "Rex " + tag);
        new Select(byId(browser, "field-species")).selectByVisibleText("dog");
        new Select(byId(browser, "field-neutered")).selectByVisibleText("yes");
        type(browser, "weightKg", "12.5");
        byId(browser, "save-record").click();
        browser.waitFor(d -> row(browser, "Rex " + tag).isPresent());
        String petId = row(browser, "Rex " + tag).orElseThrow().getAttribute("data-id");

        selectCollection(browser, "appointments", "title");
        browser.offline(true);
        browser.waitFor(d -> "offline".equals(badge(browser)));
        browser.waitFor(d -> !d.findElements(By.cssSelector("#field-petId option[value='" + petId + "']")).isEmpty());
        new Select(byId(browser, "field-petId")).selectByValue(petId);
        type(browser, "title", "Vaccination " + tag);
        type(browser, "durationMinutes", "30");
        byId(browser, "save-record").click();
        browser.waitFor(d -> row(browser, "Vaccination " + tag).isPresent());
        assertThat(row(browser, "Vaccination " + tag).orElseThrow().getAttribute("data-id")).startsWith("tmp-");
        assertThat(row(browser, "Vaccination " + tag).orElseThrow().getText()).contains("Rex " + tag);

        browser.offline(false);
        syncNow(browser);
        browser.waitFor(d -> pending(browser) == 0 && row(browser, "Vaccination " + tag)
                .map(r -> !r.getAttribute("data-id").startsWith("tmp-")).orElse(false), SYNC);
        String id = row(browser, "Vaccination " + tag).orElseThrow().getAttribute("data-id");
        JsonNode data = onServer(target, "vet-clinic-demo", "appointments", id).path("data");
        assertThat(data.path("petId").asText()).isEqualTo(petId);
        assertThat(data.path("durationMinutes").isInt()).isTrue();
        JsonNode pet = onServer(target, "vet-clinic-demo", "pets", petId).path("data");
        assertThat(pet.path("neutered").isBoolean()).isTrue();
        assertThat(pet.path("weightKg").asDouble()).isEqualTo(12.5);
    }
}
