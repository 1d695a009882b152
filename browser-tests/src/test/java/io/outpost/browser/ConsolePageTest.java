package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.api.admin.StatsHistorySampler;
import io.outpost.api.security.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The console ({@code /console/}) in real Chromium against a real server of its own, with data made by real pushes:
 * record history for auditors, the conflicts queue and fleet and health for admins, and the roles (the server refuses,
 * the console hides). {@code doses} park stale edits ({@code manual}), {@code notes} merge them; the stats sampler
 * stores a sample every second. Takes the console's screenshots (docs/screenshots with
 * {@code -Doutpost.screenshots=../docs/screenshots}).
 */
@RequiresChromium
class ConsolePageTest {

    private static final Path SCREENSHOTS = SyncControlPageTest.SCREENSHOTS;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static OutpostServer server;
    private final List<Browser> browsers = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = OutpostServer.start("--sync.collections.doses.conflict-strategy=manual",
                "--sync.collections.notes.conflict-strategy=merge", "--outpost.stats.sample-interval=1s");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        server = null;
    }

    @AfterEach
    void closeBrowsers() {
        browsers.forEach(Browser::close);
    }

    /** The console opened with {@code token} in this tab's session (as signing in leaves it). */
    private Browser console(String token) {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(server.url("/console/"));
        browser.waitForScript("return document.body.dataset.ready === 'false'", WAIT);
        browser.script("sessionStorage.setItem('outpost.console.session', arguments[0])", token);
        browser.reload();
        browser.waitForScript("return document.body.dataset.ready === 'true'", WAIT);
        return browser;
    }

    private static String ops(String... ops) {
        return String.join(",", ops).replace('\'', '"');
    }

    private static JsonNode push(String token, String deviceId, String operations) {
        var answer = server.post(token, "/api/v1/sync/push",
                "{\"deviceId\":\"" + deviceId + "\",\"operations\":[" + operations + "]}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        try {
            return JSON.readTree(answer.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<WebElement> entries(Browser browser) {
        return browser.driver().findElements(By.cssSelector("#timeline > li.entry"));
    }

    private static String text(Browser browser, String css) {
        return browser.driver().findElement(By.cssSelector(css)).getText();
    }

    private static void showHistory(Browser browser, String collection, String id) {
        WebElement c = browser.driver().findElement(By.id("history-collection"));
        c.clear();
        c.sendKeys(collection);
        WebElement i = browser.driver().findElement(By.id("history-id"));
        i.clear();
        i.sendKeys(id);
        browser.driver().findElement(By.id("history-search")).click();
        browser.waitFor(d -> d.findElement(By.id("history-result")).isDisplayed()
                && d.findElement(By.id("history-title")).getText().equals(collection + " / " + id), WAIT);
    }

    @Test
    void anAuditorSeesEveryVersionAsFieldChangesWithConflictsAndRejectionsMarkedAndExportsIt() {
        String tenant = OutpostServer.anyTenant();
        String nurse = server.token(tenant, "nurse-1", Role.USER);
        String other = server.token(tenant, "nurse-2", Role.USER);
        push(nurse, "tablet-1", ops(
                "{'opId':1,'type':'create','collection':'doses','id':'d-1','data':{'drug':'amoxicillin','mg':250}}",
                "{'opId':2,'type':'update','collection':'doses','id':'d-1','baseVersion':1,'data':{'mg':500},"
                        + "'clientTimestamp':'2026-11-22T10:00:00Z'}"));
        push(other, "tablet-2", ops(
                "{'opId':1,'type':'update','collection':'doses','id':'d-1','baseVersion':1,'data':{'mg':750}}",
                "{'opId':2,'type':'update','collection':'doses','id':'d-1','baseVersion':2,'data':{'note':'"
                        + "x".repeat(300 * 1024) + "'}}"));
        Browser browser = console(server.token(tenant, "auditor-1", Role.AUDITOR));

        showHistory(browser, "doses", "d-1");
        browser.waitFor(d -> entries(browser).size() == 4, WAIT);
        List<WebElement> timeline = entries(browser);
        assertThat(timeline).extracting(e -> e.getAttribute("data-type"))
                .containsExactly("create", "update", "conflict_parked", "rejected");
        WebElement update = timeline.get(1);
        WebElement mg = update.findElement(By.cssSelector("tr[data-field='mg']"));
        assertThat(mg.findElement(By.cssSelector(".before")).getText()).isEqualTo("250");
        assertThat(mg.findElement(By.cssSelector(".after")).getText()).isEqualTo("500");
        assertThat(update.findElements(By.cssSelector("tr[data-field='drug']"))).isEmpty(); // unchanged: not listed
        assertThat(update.getText()).contains("nurse-1", "tablet-1", "Nov 22, 2026"); // the client's time, as sent
        assertThat(timeline.get(2).findElement(By.cssSelector(".mark-parked")).getText()).contains("Parked");
        assertThat(timeline.get(2).findElement(By.cssSelector("tr[data-field='mg'] .after")).getText())
                .isEqualTo("750");
        assertThat(timeline.get(3).findElement(By.cssSelector(".mark-rejected")).getText())
                .contains("record_too_large");
        assertThat(browser.driver().findElement(By.id("chain")).getAttribute("data-valid")).isEqualTo("true");
        assertThat(timeline).allSatisfy(e -> assertThat(e.getAttribute("data-chain")).isEqualTo("ok"));
        browser.screenshot(SCREENSHOTS.resolve("console-history.png"));

        // as of version 1: the record before the update
        new Select(browser.driver().findElement(By.id("asof-version"))).selectByValue("1");
        browser.driver().findElement(By.id("asof-show")).click();
        browser.waitFor(d -> "1".equals(d.findElement(By.id("asof")).getAttribute("data-version")), WAIT);
        assertThat(text(browser, "#asof-fields tr[data-field='mg'] td")).isEqualTo("250");
        // as of a time (a minute from now, in the reader's time zone): the latest version; attempts changed nothing
        browser.script("""
                const soon = new Date(Date.now() + 60000);
                const local = new Date(soon.getTime() - soon.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
                document.getElementById('asof-version').value = '';
                document.getElementById('asof-time').value = local;
                """);
        browser.driver().findElement(By.id("asof-show")).click();
        browser.waitFor(d -> "2".equals(d.findElement(By.id("asof")).getAttribute("data-version")), WAIT);
        assertThat(text(browser, "#asof-fields tr[data-field='mg'] td")).isEqualTo("500");

        // the exports: the same entries, as the console offers them for download
        browser.script("""
                window.exported = [];
                URL.createObjectURL = (blob) => { window.exported.push(blob); return 'blob:test'; };
                HTMLAnchorElement.prototype.click = function () { window.exportedName = this.download; };
                """);
        browser.driver().findElement(By.id("export-csv")).click();
        String csv = (String) browser.await("return window.exported[0].text()");
        assertThat(browser.script("return window.exportedName")).isEqualTo("history-doses-d-1.csv");
        String[] lines = csv.split("\r\n");
        assertThat(lines[0]).startsWith("version,type,recordedAt");
        assertThat(lines).hasSize(5);
        assertThat(lines[2]).contains(",update,", "mg: 250 → 500", "nurse-1", "tablet-1");
        browser.driver().findElement(By.id("export-json")).click();
        String json = (String) browser.await("return window.exported[1].text()");
        JsonNode exported = parse(json);
        assertThat(browser.script("return window.exportedName")).isEqualTo("history-doses-d-1.json");
        assertThat(exported.path("history")).hasSize(4);
        assertThat(exported.path("verify").path("valid").asBoolean()).isTrue();
    }

    @Test
    void aChangeMergedAutomaticallyIsMarkedWithItsStrategy() {
        String tenant = OutpostServer.anyTenant();
        String nurse = server.token(tenant, "nurse-1", Role.USER);
        push(nurse, "tablet-1", ops(
                "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'a':1,'b':1}}",
                "{'opId':2,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'a':2}}",
                "{'opId':3,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'b':3}}"));
        Browser browser = console(server.token(tenant, "auditor-1", Role.AUDITOR));
        showHistory(browser, "notes", "n-1");
        browser.waitFor(d -> entries(browser).size() == 3, WAIT);
        WebElement merged = entries(browser).get(2);
        assertThat(merged.findElement(By.cssSelector(".mark-auto")).getText()).contains("merge", "version 1");
        assertThat(merged.findElement(By.cssSelector("tr[data-field='b'] .after")).getText()).isEqualTo("3");
    }

    @Test
    void anEditedStoredEventIsMarkedWhereTheHashChainBreaks() {
        String tenant = OutpostServer.anyTenant();
        push(server.token(tenant, "nurse-1", Role.USER), "tablet-1", ops(
                "{'opId':1,'type':'create','collection':'notes','id':'dose-1','data':{'mg':5}}",
                "{'opId':2,'type':'update','collection':'notes','id':'dose-1','baseVersion':1,'data':{'mg':10}}",
                "{'opId':3,'type':'update','collection':'notes','id':'dose-1','baseVersion':2,'data':{'mg':15}}"));
        int edited = server.bean(JdbcTemplate.class).update("UPDATE domain_event_entry SET payload = "
                + "convert_to(replace(convert_from(payload, 'UTF8'), '\"mg\":10', '\"mg\":11'), 'UTF8') "
                + "WHERE aggregate_identifier = ? AND sequence_number = 1", tenant + "/notes/dose-1");
        assertThat(edited).isEqualTo(1);

        Browser browser = console(server.token(tenant, "auditor-1", Role.AUDITOR));
        showHistory(browser, "notes", "dose-1");
        browser.waitFor(d -> entries(browser).size() == 3, WAIT);
        assertThat(browser.driver().findElement(By.id("chain")).getAttribute("data-valid")).isEqualTo("false");
        assertThat(text(browser, "#chain")).contains("broken at event 1");
        assertThat(entries(browser)).extracting(e -> e.getAttribute("data-chain"))
                .containsExactly("ok", "broken", "suspect");
        assertThat(entries(browser).get(1).getText()).contains("Hash chain breaks here");
        browser.screenshot(SCREENSHOTS.resolve("console-history-chain-broken.png"));
    }

    @Test
    void anAdminComparesOpenConflictsFieldByFieldAndResolvesThemByServerClientOrAnEditedVersion() {
        String tenant = OutpostServer.anyTenant();
        String nurse = server.token(tenant, "nurse-1", Role.USER);
        push(nurse, "tablet-1", ops(
                "{'opId':1,'type':'create','collection':'doses','id':'a','data':{'drug':'x','mg':1}}",
                "{'opId':2,'type':'create','collection':'doses','id':'b','data':{'drug':'y','mg':2}}",
                "{'opId':3,'type':'update','collection':'doses','id':'a','baseVersion':1,'data':{'mg':10}}",
                "{'opId':4,'type':'update','collection':'doses','id':'b','baseVersion':1,'data':{'mg':20}}"));
        push(server.token(tenant, "nurse-2", Role.USER), "tablet-2", ops(
                "{'opId':1,'type':'update','collection':'doses','id':'a','baseVersion':1,'data':{'mg':11}}",
                "{'opId':2,'type':'update','collection':'doses','id':'b','baseVersion':1,'data':{'mg':21}}"));
        String admin = server.token(tenant, "boss", Role.ADMIN);
        Browser browser = console(admin);
        browser.driver().findElement(By.id("tab-conflicts")).click();
        browser.waitFor(d -> d.findElements(By.cssSelector("#conflict-list li.conflict")).size() == 2, WAIT);
        WebElement first = conflict(browser, "a");
        WebElement mg = first.findElement(By.cssSelector("tr[data-field='mg']"));
        assertThat(mg.getAttribute("class")).contains("differs");
        assertThat(mg.findElement(By.cssSelector(".server")).getText()).isEqualTo("10");
        assertThat(mg.findElement(By.cssSelector(".client")).getText()).isEqualTo("11");
        assertThat(first.findElement(By.cssSelector("tr[data-field='drug']")).getAttribute("class"))
                .doesNotContain("differs");
        browser.screenshot(SCREENSHOTS.resolve("console-conflicts.png"));

        first.findElement(By.cssSelector("button[data-resolution='server']")).click();
        browser.waitFor(d -> d.findElements(By.cssSelector("#conflict-list li.conflict")).size() == 1, WAIT);
        WebElement second = conflict(browser, "b");
        second.findElement(By.cssSelector("button.edit")).click();
        WebElement area = second.findElement(By.cssSelector("textarea.custom-data"));
        area.clear();
        area.sendKeys("{\"drug\":\"y\",\"mg\":15}");
        second.findElement(By.cssSelector("button[data-resolution='custom']")).click();
        browser.waitFor(d -> d.findElements(By.cssSelector("#conflict-list li.conflict")).isEmpty(), WAIT);

        await().atMost(WAIT).until(() -> server.record(tenant, "doses", "b")
                .map(r -> r.path("data").path("mg").asInt() == 15).orElse(false));
        assertThat(server.record(tenant, "doses", "a").orElseThrow().path("data").path("mg").asInt()).isEqualTo(10);

        new Select(browser.driver().findElement(By.id("conflict-status"))).selectByValue("resolved");
        browser.waitFor(d -> d.findElements(By.cssSelector("#conflict-list li.conflict[data-status='resolved']"))
                .size() == 2, WAIT);
        assertThat(conflict(browser, "b").findElement(By.cssSelector(".mark-resolved")).getText())
                .contains("boss", "an edited version");
        assertThat(conflict(browser, "a").findElement(By.cssSelector(".mark-resolved")).getText())
                .contains("boss", "the server's version");
        browser.screenshot(SCREENSHOTS.resolve("console-conflicts-resolved.png"));

        // from a conflict to its record's history: parked, then resolved with the edited version
        conflict(browser, "b").findElement(By.cssSelector("button.show-history")).click();
        browser.waitFor(d -> d.findElement(By.id("view-history")).isDisplayed()
                && "doses / b".equals(d.findElement(By.id("history-title")).getText()), WAIT);
        browser.waitFor(d -> entries(browser).stream().anyMatch(e -> "conflict_resolved".equals(
                e.getAttribute("data-type"))), WAIT);
        assertThat(entries(browser)).extracting(e -> e.getAttribute("data-type"))
                .contains("conflict_parked", "conflict_resolved");
    }

    private static WebElement conflict(Browser browser, String id) {
        return browser.driver().findElements(By.cssSelector("#conflict-list li.conflict")).stream()
                .filter(li -> li.findElement(By.tagName("strong")).getText().equals("doses / " + id))
                .findFirst().orElseThrow();
    }

    @Test
    void anAdminWatchesTheFleetItsFiguresOverTimeAndRebuildsTheProjections() {
        String tenant = OutpostServer.anyTenant();
        String nurse = server.token(tenant, "nurse-1", Role.USER);
        JdbcTemplate jdbc = server.bean(JdbcTemplate.class);
        push(nurse, "tablet-1", ops(
                "{'opId':1,'type':'create','collection':'doses','id':'a','data':{'mg':1}}"));
        // the sampler (every second here) has stored the tenant's first sample before the next pushes: the charts
        // show those as the operations of an interval (a tenant's first sample has nothing to differ from)
        await().atMost(WAIT).until(() -> jdbc.queryForObject("SELECT count(*) FROM stats_samples WHERE tenant = ? "
                + "AND ops_applied = 1", Long.class, tenant) >= 1);
        push(nurse, "tablet-1", ops(
                "{'opId':2,'type':'update','collection':'doses','id':'a','baseVersion':1,'data':{'mg':2}}"));
        String nurse2 = server.token(tenant, "nurse-2", Role.USER);
        push(nurse2, "tablet-2", ops(
                "{'opId':1,'type':'update','collection':'doses','id':'a','baseVersion':1,'data':{'mg':3}}"));
        server.pull(nurse2, "tablet-2");
        // a security event of this tenant: an auditor's token asking for the admin's stats
        assertThat(server.get(server.token(tenant, "auditor-1", Role.AUDITOR), "/api/v1/admin/stats").statusCode())
                .isEqualTo(403);
        await().atMost(WAIT).until(() -> jdbc.queryForObject("SELECT count(*) FROM stats_samples WHERE tenant = ? "
                + "AND ops_applied = 2", Long.class, tenant) >= 2);

        String admin = server.token(tenant, "boss", Role.ADMIN);
        await().atMost(WAIT).until(() -> parse(server.get(admin, "/api/v1/conflicts?status=open").body()).size() == 1);
        Browser browser = console(admin);
        browser.driver().findElement(By.id("tab-fleet")).click();
        browser.waitFor(d -> "60".equals(d.findElement(By.id("view-fleet")).getAttribute("data-loaded")), WAIT);
        new Select(browser.driver().findElement(By.id("chart-minutes"))).selectByValue("10");
        browser.waitFor(d -> "10".equals(d.findElement(By.id("view-fleet")).getAttribute("data-loaded")), WAIT);
        browser.waitFor(d -> d.findElements(By.cssSelector("#devices tbody tr[data-device-id]")).size() == 2, WAIT);
        WebElement tablet2 = browser.driver().findElement(By.cssSelector("#devices tr[data-device-id='tablet-2']"));
        List<WebElement> cells = tablet2.findElements(By.tagName("td"));
        assertThat(cells.get(0).getText()).isEqualTo("nurse-2");
        assertThat(cells.get(3).getText()).isNotEqualTo("—"); // pulled
        assertThat(cells.get(5).getText()).isEqualTo("0 %");
        assertThat(cells.get(7).getText()).isEqualTo("1");
        WebElement tablet1 = browser.driver().findElement(By.cssSelector("#devices tr[data-device-id='tablet-1']"));
        assertThat(tablet1.findElements(By.tagName("td")).get(3).getText()).isEqualTo("—"); // never pulled
        assertThat(tablet1.findElements(By.tagName("td")).get(5).getText()).isEqualTo("100 %");
        List<WebElement> nurse2Row = browser.driver().findElement(By.cssSelector("#users tr[data-user-id='nurse-2']"))
                .findElements(By.tagName("td"));
        assertThat(nurse2Row.get(1).getText()).isEqualTo("1"); // devices
        assertThat(nurse2Row.get(4).getText()).isEqualTo("0 %");
        assertThat(nurse2Row.get(6).getText()).isEqualTo("1"); // open conflicts
        assertThat(text(browser, "#tenant-stats dd[data-figure='applied']")).isEqualTo("2");
        assertThat(text(browser, "#tenant-stats dd[data-figure='openConflicts']")).isEqualTo("1");
        browser.waitFor(d -> Integer.parseInt(d.findElement(By.id("chart-ops")).getAttribute("data-points")) > 0,
                WAIT);
        // the pushes after the first sample: one interval with an applied op and a conflict (per minute: x60)
        assertThat(Double.parseDouble(browser.driver().findElement(By.id("chart-ops")).getAttribute("data-max")))
                .isGreaterThanOrEqualTo(60);
        assertThat(browser.driver().findElements(By.cssSelector("#chart-ops svg polyline.s-applied, "
                + "#chart-ops svg circle.s-applied"))).isNotEmpty();
        assertThat(Integer.parseInt(browser.driver().findElement(By.id("chart-lag")).getAttribute("data-points")))
                .isPositive();
        assertThat(Integer.parseInt(browser.driver().findElement(By.id("chart-latency"))
                .getAttribute("data-points"))).isPositive();
        browser.waitFor(d -> !d.findElements(By.cssSelector("#security-events tr[data-type='role_refused']"))
                .isEmpty(), WAIT);
        browser.screenshot(SCREENSHOTS.resolve("console-fleet.png"));

        WebElement rebuild = browser.driver().findElement(By.id("rebuild"));
        rebuild.click();
        browser.waitFor(d -> "true".equals(d.findElement(By.id("rebuild")).getAttribute("data-armed")), WAIT);
        rebuild.click();
        browser.waitFor(d -> "DONE".equals(d.findElement(By.id("rebuild")).getAttribute("data-state")),
                Duration.ofSeconds(60));
        assertThat(text(browser, "#rebuild-text")).startsWith("Rebuilt ");
        assertThat(server.bean(StatsHistorySampler.class)).isNotNull();
    }

    @Test
    void theServerRefusesWhatARoleMayNotSeeAndTheConsoleHidesIt() {
        String tenant = OutpostServer.anyTenant();
        String auditor = server.token(tenant, "auditor-1", Role.AUDITOR);
        String user = server.token(tenant, "nurse-1", Role.USER);
        String admin = server.token(tenant, "boss", Role.ADMIN);
        for (String path : List.of("/api/v1/admin/stats", "/api/v1/admin/devices", "/api/v1/admin/stats/history",
                "/api/v1/admin/projections", "/api/v1/admin/security-events", "/api/v1/conflicts")) {
            assertThat(server.get(auditor, path).statusCode()).as(path).isEqualTo(403);
        }
        assertThat(server.get(user, "/api/v1/audit/records/doses/a/history").statusCode()).isEqualTo(403);
        assertThat(server.get(user, "/api/v1/admin/devices").statusCode()).isEqualTo(403);
        assertThat(server.get(admin, "/api/v1/admin/devices").statusCode()).isEqualTo(200);

        Browser asAuditor = console(auditor);
        assertThat(visibleTabs(asAuditor)).containsExactly("tab-history");
        assertThat(asAuditor.driver().findElement(By.id("view-history")).isDisplayed()).isTrue();
        assertThat(asAuditor.driver().findElement(By.id("view-fleet")).isDisplayed()).isFalse();
        asAuditor.screenshot(SCREENSHOTS.resolve("console-auditor.png"));

        Browser asUser = console(user);
        assertThat(visibleTabs(asUser)).isEmpty();
        assertThat(asUser.driver().findElement(By.id("no-views")).isDisplayed()).isTrue();

        Browser asAdmin = console(admin);
        assertThat(visibleTabs(asAdmin)).containsExactly("tab-history", "tab-conflicts", "tab-fleet");
    }

    @Test
    void theDemoAdminSignsInWithTheFormAndSeesEveryView() {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(server.url("/console"));
        browser.waitFor(d -> d.findElement(By.id("signin-form")).isDisplayed(), WAIT);
        assertThat(browser.driver().getCurrentUrl()).endsWith("/console/");
        browser.driver().findElement(By.id("username")).sendKeys("demo");
        browser.driver().findElement(By.id("password")).sendKeys("wrong");
        browser.driver().findElement(By.id("signin-button")).click();
        browser.waitFor(d -> d.findElement(By.id("signin-error")).isDisplayed(), WAIT);
        assertThat(text(browser, "#signin-error")).contains("do not match");
        browser.consoleErrors(); // the refused sign-in's 401, expected
        browser.driver().findElement(By.id("password")).clear();
        browser.driver().findElement(By.id("password")).sendKeys("demo");
        browser.driver().findElement(By.id("signin-button")).click();
        browser.waitForScript("return document.body.dataset.ready === 'true'", WAIT);
        assertThat(visibleTabs(browser)).containsExactly("tab-history", "tab-conflicts", "tab-fleet");
        assertThat(text(browser, "#who")).startsWith("demo · demo");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    private static List<String> visibleTabs(Browser browser) {
        return browser.driver().findElements(By.cssSelector("#tabs .tab")).stream().filter(WebElement::isDisplayed)
                .map(e -> e.getAttribute("id")).toList();
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
