package io.outpost.api.collections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.outpost.api.OutpostApplication;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Changing a collection's visibility or owner-field on a running database (docs/rebuild.md): a node configured
 * differently from what is in effect refuses to start; one told to apply the change applies it once, and devices
 * get exactly the records they lost (tombstones) or gained, with their old cursors.
 */
class VisibilityChangeTest extends ServerTest {

    @Autowired
    private DataSource dataSource;
    private ConfigurableApplicationContext otherNode;

    @AfterEach
    void stopOtherNode() {
        if (otherNode != null) otherNode.close();
    }

    private ConfigurableApplicationContext node(String... extra) {
        String url = ((HikariDataSource) dataSource).getJdbcUrl();
        String[] args = new String[extra.length + 4];
        args[0] = "--server.port=0";
        args[1] = "--spring.datasource.url=" + url;
        args[2] = "--spring.datasource.username=postgres";
        args[3] = "--spring.datasource.password=";
        System.arraycopy(extra, 0, args, 4, extra.length);
        return new SpringApplicationBuilder(OutpostApplication.class).profiles("test").run(args);
    }

    private JsonNode pullFrom(int nodePort, String token, String device, String cursor) {
        String path = "/api/v1/sync/pull?deviceId=" + device + "&limit=100" + (cursor == null ? "" : "&cursor=" + cursor);
        return parse(send(HttpRequest.newBuilder(URI.create("http://localhost:" + nodePort + path))
                .header("Authorization", "Bearer " + token).GET()).body());
    }

    private static Map<String, String> changes(JsonNode page) {
        Map<String, String> changes = new TreeMap<>();
        page.path("changes").forEach(c -> changes.put(c.path("id").asText(),
                c.path("deleted").asBoolean() ? "deleted" : "v" + c.path("version").asLong()));
        return changes;
    }

    @Test
    void aChangedVisibilityAndOwnerFieldAreRefusedUnlessAppliedAndThenMoveExactlyTheAffectedRecords() {
        String tenant = anyTenant();
        String alice = token(tenant, "alice", Role.USER);
        String bob = token(tenant, "bob", Role.USER);
        // on this node vis_notes and vis_pets are undeclared: visibility tenant, the owner is the creator
        pushOk(alice, json("{'deviceId':'a-1','operations':["
                + "{'opId':1,'type':'create','collection':'vis_notes','id':'a1','data':{}},"
                + "{'opId':2,'type':'create','collection':'vis_notes','id':'a2','data':{}},"
                + "{'opId':3,'type':'create','collection':'vis_pets','id':'p1','data':{'vetId':'bob'}},"
                + "{'opId':4,'type':'create','collection':'vis_pets','id':'p2','data':{'vetId':'alice'}}]}"));
        pushOk(bob, json("{'deviceId':'b-1','operations':["
                + "{'opId':1,'type':'create','collection':'vis_notes','id':'b1','data':{}}]}"));
        Drained aliceDevice = drain(alice, "a-1", null, null, 100);
        Drained bobDevice = drain(bob, "b-1", null, null, 100);
        assertThat(aliceDevice.changes()).hasSize(5);
        assertThat(bobDevice.changes()).hasSize(5);

        String[] changed = {"--sync.collections.vis_notes.visibility=owner",
                "--sync.collections.vis_pets.visibility=owner", "--sync.collections.vis_pets.owner-field=vetId"};
        assertThatThrownBy(() -> otherNode = node(changed))
                .hasStackTraceContaining("Refusing to start").hasStackTraceContaining("vis_notes")
                .hasStackTraceContaining("outpost.visibility.apply-changes");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM collection_visibility WHERE collection LIKE 'vis_%'",
                Long.class)).as("the refused node changed nothing").isZero();

        String[] applied = java.util.Arrays.copyOf(changed, changed.length + 1);
        applied[changed.length] = "--outpost.visibility.apply-changes=true";
        otherNode = node(applied);
        int port = ((WebServerApplicationContext) otherNode).getWebServer().getPort();

        JsonNode alicePage = pullFrom(port, alice, "a-1", aliceDevice.cursor());
        assertThat(alicePage.path("reset").asBoolean()).isFalse();
        assertThat(changes(alicePage)).as("bob's note, and the pet whose vet is bob")
                .isEqualTo(Map.of("b1", "deleted", "p1", "deleted"));
        JsonNode bobPage = pullFrom(port, bob, "b-1", bobDevice.cursor());
        assertThat(changes(bobPage)).as("alice's notes and the pet whose vet is alice; p1 he had already")
                .isEqualTo(Map.of("a1", "deleted", "a2", "deleted", "p2", "deleted"));
        assertThat(changes(pullFrom(port, alice, "a-2", null))).containsOnlyKeys("a1", "a2", "p2");
        assertThat(changes(pullFrom(port, bob, "b-2", null))).containsOnlyKeys("b1", "p1");
        assertThat(pullFrom(port, alice, "a-1", alicePage.path("cursor").asText()).path("changes")).isEmpty();

        otherNode.close();
        otherNode = node(changed);
        assertThat(otherNode.isActive()).as("the new configuration is in effect: a node with it starts").isTrue();
    }
}
