package io.outpost.api.security;

import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Development convenience: when the embedded default generated the JWT secret, log the Sync Control page's address
 * with the demo account to sign in with ({@link AccountStore#demoAccount()}), a ready-to-use token for tenant
 * {@code demo} (roles user and admin) and a sample curl line.
 */
@Component
class DevTokenAnnouncer {

    private static final Logger log = LoggerFactory.getLogger(DevTokenAnnouncer.class);

    private final JwtSecret secret;
    private final JwtService jwt;
    private final AccountStore accounts;

    DevTokenAnnouncer(JwtSecret secret, JwtService jwt, AccountStore accounts) {
        this.secret = secret;
        this.jwt = jwt;
        this.accounts = accounts;
    }

    @EventListener
    void announce(ApplicationReadyEvent ready) {
        if (!secret.generated()) return;
        int port = ready.getApplicationContext() instanceof WebServerApplicationContext web
                ? web.getWebServer().getPort() : 8080;
        String token = jwt.issue(new SyncPrincipal("demo", "demo-user", Set.of(Role.USER, Role.ADMIN)));
        String page = accounts.demoAccount()
                ? "Sync Control page: http://localhost:" + port + "/app/ (sign in as demo / demo)"
                : "Sync Control page: http://localhost:" + port + "/app/ (sign in with an account of sync.users)";
        log.info("""

                ==== Outpost is ready on http://localhost:{} (development mode: generated JWT secret) ====
                {}
                Demo token (tenant demo, user demo-user, roles user+admin, valid {}):
                export TOKEN={}
                Try:
                curl -s -X POST http://localhost:{}/api/v1/sync/push -H "Authorization: Bearer $TOKEN" \\
                  -H 'Content-Type: application/json' \\
                  -d '{{"deviceId":"tablet-1","operations":[{{"opId":1,"type":"create","collection":"pets","id":"p-1","data":{{"name":"Rex"}}}}]}}'
                """.replace("{{", "{").replace("}}", "}"), port, page, jwt.lifetime(), token, port);
    }
}
