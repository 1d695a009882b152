package io.outpost.api.web;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.servlet.view.RedirectView;

/**
 * The web pages of the {@code web-pages} jar ({@code META-INF/resources/}): the Sync Control page ({@code app/}, served
 * at {@code /app/}) and the auditor's and admin's console ({@code console/}, served at {@code /console/}), and the
 * browser SDK's ES modules (the {@code browser-sdk} jar's {@code META-INF/resources/sdk/}, served at {@code /sdk/}).
 * All are public (no token: the pages sign in themselves; the API they call checks the roles) and get
 * {@link #CONTENT_SECURITY_POLICY}; {@code /} and {@code /app} redirect to the page, {@code /console} to the console.
 */
@Controller
@Hidden
public class AppPageController {

    /** The page's address. */
    public static final String PAGE = "/app/";

    /** The console's address. */
    public static final String CONSOLE = "/console/";

    /** Paths of the pages and the SDK: public, and answered with {@link #CONTENT_SECURITY_POLICY}. */
    public static final String[] PUBLIC_PATHS = {"/app", "/app/**", "/console", "/console/**", "/sdk/**"};

    /** For an ES-module page: its own scripts, styles and API only; no inline code, no plugins, no framing. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    @GetMapping({"/", "/app"})
    RedirectView toPage() {
        RedirectView redirect = new RedirectView(PAGE, true);
        redirect.setPropagateQueryParams(false);
        return redirect;
    }

    @GetMapping("/console")
    RedirectView toConsole() {
        RedirectView redirect = new RedirectView(CONSOLE, true);
        redirect.setPropagateQueryParams(false);
        return redirect;
    }

    /** Spring Boot's welcome page covers {@code /} only; the page's folder forwards to its index.html. */
    @GetMapping(PAGE)
    String page() {
        return "forward:" + PAGE + "index.html";
    }

    @GetMapping(CONSOLE)
    String console() {
        return "forward:" + CONSOLE + "index.html";
    }
}
