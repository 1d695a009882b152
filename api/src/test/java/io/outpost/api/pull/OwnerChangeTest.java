package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A record of a visibility-owner collection whose owner-field moves it to another user: the old owner's devices get
 * a tombstone for it, the new owner's the record, everyone else nothing (docs/rebuild.md, removals).
 */
class OwnerChangeTest extends ServerTest {

    private static Map<String, String> changes(JsonNode page) {
        Map<String, String> changes = new TreeMap<>();
        page.path("changes").forEach(c -> changes.put(c.path("id").asText(), c.path("version").asLong() + " "
                + (c.path("deleted").asBoolean() ? "deleted" : c.path("data").path("ownerId").asText())));
        return changes;
    }

    @Test
    void aRecordHandedToAnotherOwnerLeavesTheOldOwnersDevicesAndReachesTheNewOnes() {
        String tenant = anyTenant();
        String alice = token(tenant, "alice", Role.USER);
        String bob = token(tenant, "bob", Role.USER);
        String carol = token(tenant, "carol", Role.USER);
        pushOk(alice, json("{'deviceId':'a-1','operations':["
                + "{'opId':1,'type':'create','collection':'pets','id':'p1','data':{'name':'Rex','ownerId':'alice'}},"
                + "{'opId':2,'type':'create','collection':'pets','id':'p2','data':{'name':'Tom','ownerId':'alice'}}]}"));
        Drained aliceAtStart = drain(alice, "a-1", null, null, 100);
        Drained aliceDevice = drain(alice, "a-2", null, null, 100);
        Drained bobDevice = drain(bob, "b-1", null, null, 100);
        Drained carolDevice = drain(carol, "c-1", null, null, 100);
        assertThat(aliceDevice.ids()).containsExactly("pets/p1", "pets/p2");
        assertThat(bobDevice.changes()).isEmpty();

        pushOk(alice, json("{'deviceId':'a-1','operations':[{'opId':3,'type':'update','collection':'pets',"
                + "'id':'p1','baseVersion':1,'data':{'ownerId':'bob'}}]}"));

        JsonNode alicePage = pullOk(alice, "a-2", aliceDevice.cursor(), null, 100);
        assertThat(changes(alicePage)).as("a tombstone at the record's version").isEqualTo(Map.of("p1", "2 deleted"));
        JsonNode bobPage = pullOk(bob, "b-1", bobDevice.cursor(), null, 100);
        assertThat(changes(bobPage)).isEqualTo(Map.of("p1", "2 bob"));
        JsonNode carolPage = pullOk(carol, "c-1", carolDevice.cursor(), null, 100);
        assertThat(carolPage.path("changes")).isEmpty();
        assertThat(drain(alice, "a-3", null, null, 100).ids()).as("a snapshot has no removals")
                .containsExactly("pets/p2");
        assertThat(changes(pullOk(token(tenant, "boss", Role.ADMIN), "admin-1", null, null, 100)))
                .as("admins see every record").containsOnlyKeys("p1", "p2");

        // handed back: alice sees it again, as itself (her removal is not sent any more), bob gets the tombstone
        pushOk(bob, json("{'deviceId':'b-1','operations':[{'opId':1,'type':'update','collection':'pets',"
                + "'id':'p1','baseVersion':2,'data':{'ownerId':'alice'}}]}"));
        assertThat(changes(pullOk(alice, "a-2", alicePage.path("cursor").asText(), null, 100)))
                .isEqualTo(Map.of("p1", "3 alice"));
        assertThat(changes(pullOk(alice, "a-1", aliceAtStart.cursor(), null, 100)))
                .as("a device that missed both moves gets the record once").isEqualTo(Map.of("p1", "3 alice"));
        assertThat(changes(pullOk(bob, "b-1", bobPage.path("cursor").asText(), null, 100)))
                .isEqualTo(Map.of("p1", "3 deleted"));
        assertThat(pullOk(carol, "c-1", carolPage.path("cursor").asText(), null, 100).path("changes")).isEmpty();
    }
}
