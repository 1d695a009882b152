package io.outpost.api.security;

import io.outpost.api.collections.SampleRecord;
import io.outpost.api.config.SyncProperties;
import io.outpost.command.api.CollectionCatalog;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Development convenience: when the embedded default generated the JWT secret, log the Sync Control page's address
 * with the accounts to sign in with ({@link AccountStore#demoAccount()}, {@code sync.users}), a ready-to-use token for
 * tenant {@code demo} (roles user and admin) and a curl line that the loaded configuration accepts
 * ({@link SampleRecord}).
 */
@Component
class DevTokenAnnouncer {

    private static final Logger log = LoggerFactory.getLogger(DevTokenAnnouncer.class);

    private final JwtSecret secret;
    private final JwtService jwt;
    private final AccountStore accounts;
    private final CollectionCatalog catalog;
    private final SyncProperties sync;

    DevTokenAnnouncer(JwtSecret secret, JwtService jwt, AccountStore accounts, CollectionCatalog catalog,
                      SyncProperties sync) {
        this.secret = secret;
        this.jwt = jwt;
        this.accounts = accounts;
        this.catalog = catalog;
        this.sync = sync;
    }

    @EventListener
    void announce(ApplicationReadyEvent ready) {
        if (!secret.generated()) return;
        int port = ready.getApplicationContext() instanceof WebServerApplicationContext web
                ? web.getWebServer().getPort() : 8080;
        String token = jwt.issue(new SyncPrincipal(AccountStore.DEMO, "demo-user", Set.of(Role.USER, Role.ADMIN)));
        log.info("""

                ==== Outpost is ready on http://localhost:{} (development mode: generated JWT secret) ====
                Sync Control page: http://localhost:{}/app/ ({})
                Demo token (tenant demo, user demo-user, roles user+admin, valid {}):
                export TOKEN={}
                {}""", port, port, signIn(), jwt.lifetime(), token, tryLine(port));
    }

    private String signIn() {
        String configured = String.join(", ", sync.users().stream().map(SyncProperties.UserAccount::username)
                .toList());
        if (accounts.demoAccount()) {
            return "sign in as demo / demo" + (configured.isEmpty() ? "" : ", or as one of sync.users: " + configured);
        }
        return configured.isEmpty() ? "no accounts: configure sync.users" : "sign in as one of sync.users: "
                + configured;
    }

    private String tryLine(int port) {
        Optional<SampleRecord.Sample> sample = SampleRecord.pick(catalog.declared(),
                sync.undeclaredCollectionsAllowed());
        if (sample.isEmpty()) {
            return "No declared collection takes a record without references to others; see the example's README "
                    + "for a first push.";
        }
        SampleRecord.Sample s = sample.get();
        String target = s.tempId() != null ? "\"tempId\":\"" + s.tempId() + "\"" : "\"id\":\"" + s.id() + "\"";
        return "Try (a create the loaded configuration accepts):\n"
                + "curl -s -X POST http://localhost:" + port + "/api/v1/sync/push \\\n"
                + "  -H \"Authorization: Bearer $TOKEN\" \\\n"
                + "  -H 'Content-Type: application/json' \\\n"
                + "  -d '{\"deviceId\":\"tablet-1\",\"operations\":[{\"opId\":1,\"type\":\"create\",\"collection\":\""
                + s.collection() + "\"," + target + ",\"data\":" + s.data() + "}]}'";
    }
}
