package io.outpost.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The Sync Control page at {@code /app/} and the browser SDK at {@code /sdk/}: public, with the page's
 * Content-Security-Policy; {@code /} and {@code /app} lead to the page; API answers do not get the policy.
 */
class AppPageTest extends ServerTest {

    private static final String CSP = "Content-Security-Policy";

    private HttpResponse<String> anonymous(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    @Test
    void thePageIsServedWithoutATokenAndWithItsContentSecurityPolicy() {
        HttpResponse<String> page = anonymous("/app/");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).containsIgnoringCase("<html");
        assertThat(page.headers().firstValue(CSP)).contains(AppPageController.CONTENT_SECURITY_POLICY);
        assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");

        HttpResponse<String> index = anonymous("/app/index.html");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).isEqualTo(page.body());
        assertThat(index.headers().firstValue(CSP)).contains(AppPageController.CONTENT_SECURITY_POLICY);
    }

    @Test
    void thePageKeepsToItsPolicyNoInlineScriptsOrStylesAndItsCodeIsServed() {
        String page = anonymous("/app/").body();
        assertThat(page).containsPattern("<script type=\"module\" src=\"/app/app.js\"></script>");
        assertThat(page).as("every script has a src").doesNotContainPattern("<script(?![^>]*\\ssrc=)[^>]*>");
        assertThat(page).as("no style element or attribute").doesNotContainPattern("<style|\\sstyle=");
        assertThat(page).as("no inline event handler").doesNotContainPattern("\\son[a-z]+=");
        for (String asset : new String[]{"/app/app.js", "/app/app.css"}) {
            HttpResponse<String> response = anonymous(asset);
            assertThat(response.statusCode()).as(asset).isEqualTo(200);
            assertThat(response.headers().firstValue(CSP)).as(asset).contains(AppPageController.CONTENT_SECURITY_POLICY);
        }
        // the page builds its list and form from the collections the server serves (its module catalog.js)
        assertThat(anonymous("/app/app.js").body()).contains("from './state.js'");
        assertThat(anonymous("/app/catalog.js").body()).contains("/api/v1/collections");
    }

    @Test
    void theConsoleIsServedWithoutATokenWithThePolicyAndKeepsToIt() {
        HttpResponse<String> redirect = anonymous("/console");
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/console/"));
        HttpResponse<String> console = anonymous("/console/");
        assertThat(console.statusCode()).as(console.body()).isEqualTo(200);
        assertThat(console.headers().firstValue(CSP)).contains(AppPageController.CONTENT_SECURITY_POLICY);
        String page = console.body();
        assertThat(page).contains("<script type=\"module\" src=\"/console/main.js\"></script>");
        assertThat(page).as("every script has a src").doesNotContainPattern("<script(?![^>]*\\ssrc=)[^>]*>");
        assertThat(page).as("no style element or attribute").doesNotContainPattern("<style|\\sstyle=");
        assertThat(page).as("no inline event handler").doesNotContainPattern("\\son[a-z]+=");
        for (String asset : new String[]{"/console/main.js", "/console/history.js", "/console/console.css"}) {
            HttpResponse<String> response = anonymous(asset);
            assertThat(response.statusCode()).as(asset).isEqualTo(200);
            assertThat(response.headers().firstValue(CSP)).as(asset).contains(AppPageController.CONTENT_SECURITY_POLICY);
        }
        // the data is the API's, which checks the roles: the page holds none
        assertThat(anonymous("/api/v1/admin/devices").statusCode()).isEqualTo(401);
    }

    @Test
    void theRootAndTheFolderWithoutSlashRedirectToThePage() {
        for (String path : new String[]{"/", "/app"}) {
            HttpResponse<String> redirect = anonymous(path);
            assertThat(redirect.statusCode()).as(path).isEqualTo(302);
            assertThat(redirect.headers().firstValue("Location")).as(path)
                    .hasValueSatisfying(location -> assertThat(location).endsWith("/app/"));
        }
    }

    @Test
    void theSdkIsServedWithoutATokenWithTheContentSecurityPolicyAndItsDeclarationsAsText() {
        HttpResponse<String> declarations = anonymous("/sdk/outpost-sync.d.ts");
        assertThat(declarations.statusCode()).isEqualTo(200);
        assertThat(declarations.body()).isNotBlank();
        assertThat(declarations.headers().firstValue(CSP)).contains(AppPageController.CONTENT_SECURITY_POLICY);
        // not video/mp2t, the default for .ts
        assertThat(declarations.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));

        assertThat(anonymous("/sdk/no-such-module.js").statusCode()).isEqualTo(404);
    }

    @Test
    void apiAnswersKeepTheirHeadersAndStillNeedAToken() {
        HttpResponse<String> pull = anonymous("/api/v1/sync/pull?deviceId=d-1");
        assertThat(pull.statusCode()).isEqualTo(401);
        assertThat(pull.headers().firstValue(CSP)).isEmpty();
        HttpResponse<String> health = anonymous("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue(CSP)).isEmpty();
        // only GET is public on the page's paths
        HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/app/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(post.statusCode()).isEqualTo(401);
    }
}
