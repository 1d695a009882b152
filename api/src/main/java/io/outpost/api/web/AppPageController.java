package io.outpost.api.web;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.servlet.view.RedirectView;

/**
 * The Sync Control page ({@code static/app/}, served at {@code /app/}) and the browser SDK's ES modules (the
 * {@code browser-sdk} jar's {@code META-INF/resources/sdk/}, served at {@code /sdk/}). Both are public (no token: the
 * page signs in itself) and get {@link #CONTENT_SECURITY_POLICY}; {@code /} and {@code /app} redirect to the page.
 */
@Controller
@Hidden
public class AppPageController {

    /** The page's address. */
    public static final String PAGE = "/app/";

    /** Paths of the page and the SDK: public, and answered with {@link #CONTENT_SECURITY_POLICY}. */
    public static final String[] PUBLIC_PATHS = {"/app", "/app/**", "/sdk/**"};

    /** For an ES-module page: its own scripts, styles and API only; no inline code, no plugins, no framing. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    @GetMapping({"/", "/app"})
    RedirectView toPage() {
        RedirectView redirect = new RedirectView(PAGE, true);
        redirect.setPropagateQueryParams(false);
        return redirect;
    }

    /** Spring Boot's welcome page covers {@code /} only; the page's folder forwards to its index.html. */
    @GetMapping(PAGE)
    String page() {
        return "forward:" + PAGE + "index.html";
    }
}
