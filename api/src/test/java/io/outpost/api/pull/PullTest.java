package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /sync/pull} against the real projection and database. */
class PullTest extends ServerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private String tenant;
    private String token;
    private long nextOpId = 1;

    @BeforeEach
    void freshTenant() {
        tenant = anyTenant();
        token = userToken(tenant);
    }

    private void push(String ops) {
        pushOk(token, json("{'deviceId':'dev-1','operations':[" + ops + "]}"));
    }

    private void create(String collection, String id, String data) {
        push("{'opId':" + nextOpId++ + ",'type':'create','collection':'" + collection + "','id':'" + id + "','data':"
                + data + "}");
    }

    /** Waits until a drain from {@code cursor} shows what {@code ready} asks for. */
    private Drained awaitDrain(String cursor, String collections, int limit,
                               java.util.function.Predicate<Drained> ready) {
        Drained[] last = new Drained[1];
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = drain(token, "dev-1", cursor, collections, limit);
            return ready.test(last[0]);
        });
        return last[0];
    }

    @Test
    void aSnapshotIsPagedWithExactHasMoreAndEveryRecordOnce() {
        for (int i = 0; i < 25; i++) create("notes", "n-" + i, "{'i':" + i + "}");
        awaitDrain(null, null, 1000, d -> d.changes().size() == 25);

        List<Boolean> hasMore = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        String cursor = null;
        JsonNode page;
        do {
            page = pullOk(token, "dev-1", cursor, null, 10);
            hasMore.add(page.path("hasMore").asBoolean());
            page.path("changes").forEach(c -> ids.add(c.path("id").asText()));
            cursor = page.path("cursor").asText();
        } while (page.path("hasMore").asBoolean());
        assertThat(hasMore).containsExactly(true, true, false);
        assertThat(ids).hasSize(25).doesNotHaveDuplicates();
    }

    @Test
    void anIncrementalPullReturnsOnlyLaterChangesCompactedToTheLatestVersion() {
        create("notes", "a", "{'v':1}");
        create("notes", "b", "{'v':1}");
        String cursor = awaitDrain(null, null, 100, d -> d.changes().size() == 2).cursor();

        push("{'opId':" + nextOpId++ + ",'type':'update','collection':'notes','id':'a','baseVersion':1,'data':{'v':2}},"
                + "{'opId':" + nextOpId++ + ",'type':'update','collection':'notes','id':'a','baseVersion':2,'data':{'v':3}},"
                + "{'opId':" + nextOpId++ + ",'type':'update','collection':'notes','id':'a','baseVersion':3,'data':{'v':4}}");
        Drained later = awaitDrain(cursor, null, 100,
                d -> d.changes().stream().anyMatch(c -> c.path("version").asLong() == 4));
        assertThat(later.changes()).hasSize(1);
        JsonNode a = later.changes().get(0);
        assertThat(a.path("id").asText()).isEqualTo("a");
        assertThat(a.path("data").path("v").asInt()).isEqualTo(4);
        assertThat(a.path("updatedBy").asText()).isEqualTo("user-1");
        assertThat(later.lastProcessedOpId()).isEqualTo(nextOpId - 1);
    }

    @Test
    void deletionsArriveAsTombstonesAndAreLeftOutOfSnapshots() {
        create("notes", "gone", "{'t':1}");
        create("notes", "kept", "{'t':1}");
        String cursor = awaitDrain(null, null, 100, d -> d.changes().size() == 2).cursor();
        push("{'opId':" + nextOpId++ + ",'type':'delete','collection':'notes','id':'gone','baseVersion':1}");

        Drained later = awaitDrain(cursor, null, 100, d -> !d.changes().isEmpty());
        JsonNode tombstone = later.changes().get(0);
        assertThat(tombstone.path("deleted").asBoolean()).isTrue();
        assertThat(tombstone.path("data").isNull()).isTrue();
        assertThat(tombstone.path("version").asLong()).isEqualTo(2);

        assertThat(drain(token, "dev-1", null, null, 100).ids()).containsExactly("notes/kept");
    }

    @Test
    void theCollectionsFilterReturnsOnlyThoseCollections() {
        create("notes", "n", "{}");
        create("merge_notes", "m", "{}");
        create("cw_notes", "c", "{}");
        awaitDrain(null, null, 100, d -> d.changes().size() == 3);
        assertThat(drain(token, "dev-1", null, "notes,cw_notes", 100).ids())
                .containsExactly("cw_notes/c", "notes/n");
    }

    @Test
    void lastProcessedOpIdCountsOpsThatChangedNothing() {
        create("notes", "x", "{}");
        long rejected = nextOpId++;
        push("{'opId':" + rejected + ",'type':'update','collection':'notes','id':'missing','baseVersion':1,"
                + "'data':{}}");
        Drained d = awaitDrain(null, null, 100, x -> x.lastProcessedOpId() == rejected);
        assertThat(d.ids()).containsExactly("notes/x");
    }

    @Test
    void tenantsSeeOnlyTheirOwnRecords() {
        create("notes", "mine", "{}");
        awaitDrain(null, null, 100, d -> d.changes().size() == 1);
        String other = userToken(anyTenant());
        assertThat(drain(other, "dev-9", null, null, 100).changes()).isEmpty();
    }

    @Test
    void ownerVisibilityShowsUsersOnlyTheirRecordsAndAdminsAll() {
        create("pets", "p-1", "{'name':'Rex','ownerId':'user-1'}");
        create("pets", "p-2", "{'name':'Tom','ownerId':'user-2'}");
        create("notes", "n", "{}");
        awaitDrain(null, null, 100, d -> d.changes().size() == 2);
        String user2 = token(tenant, "user-2", Role.USER);
        assertThat(drain(user2, "dev-2", null, null, 100).ids()).containsExactly("notes/n", "pets/p-2");
        String admin = token(tenant, "boss", Role.ADMIN);
        assertThat(drain(admin, "dev-3", null, null, 100).ids()).containsExactly("notes/n", "pets/p-1", "pets/p-2");
    }

    @Test
    void aCursorOfAnOlderFeedEpochGetsAResetAndAFreshSnapshot() {
        create("notes", "a", "{}");
        String cursor = awaitDrain(null, null, 100, d -> d.changes().size() == 1).cursor();
        jdbc.update("UPDATE feed_state SET epoch = epoch + 1");
        try {
            JsonNode page = pullOk(token, "dev-1", cursor, null, 100);
            assertThat(page.path("reset").asBoolean()).isTrue();
            assertThat(page.path("changes").get(0).path("id").asText()).isEqualTo("a");
            JsonNode next = pullOk(token, "dev-1", page.path("cursor").asText(), null, 100);
            assertThat(next.path("reset").asBoolean()).isFalse();
        } finally {
            jdbc.update("UPDATE feed_state SET epoch = epoch - 1");
        }
    }

    @Test
    void badLimitsAreInvalidRequests() {
        for (String limit : List.of("0", "1001", "abc", "-5")) {
            HttpResponse<String> r = send(java.net.http.HttpRequest.newBuilder(
                    uri("/api/v1/sync/pull?deviceId=dev-1&limit=" + limit))
                    .header("Authorization", "Bearer " + token).GET());
            assertThat(r.statusCode()).as(limit).isEqualTo(400);
            assertThat(parse(r.body()).path("code").asText()).isEqualTo("invalid_request");
        }
        assertThat(pull(token, "bad%20device", null, null, null).statusCode()).isEqualTo(400);
    }

    @Test
    void forgedForeignAndRetargetedCursorsAreInvalid() {
        create("notes", "a", "{}");
        String cursor = awaitDrain(null, "notes", 100, d -> d.changes().size() == 1).cursor();

        String tampered = cursor.charAt(0) == 'A' ? "B" + cursor.substring(1) : "A" + cursor.substring(1);
        String otherTenant = userToken(anyTenant());
        for (HttpResponse<String> r : List.of(
                pull(token, "dev-1", "not-a-cursor", "notes", 100),
                pull(token, "dev-1", tampered, "notes", 100),
                pull(otherTenant, "dev-1", cursor, "notes", 100),
                pull(token, "dev-1", cursor, "notes,pets", 100),
                pull(token, "dev-1", cursor, null, 100))) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(parse(r.body()).path("code").asText()).isEqualTo("invalid_cursor");
        }
        assertThat(pull(token, "dev-1", cursor, "notes", 100).statusCode()).isEqualTo(200);
    }

    @Test
    void aDeviceOfAnotherUserCannotPull() {
        create("notes", "a", "{}");
        HttpResponse<String> r = pull(token(tenant, "user-2", Role.USER), "dev-1", null, null, 10);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(parse(r.body()).path("code").asText()).isEqualTo("device_bound_to_other_user");
    }

    @Test
    void statusReportsTheDevicesProgressAndTimes() {
        create("notes", "a", "{}");
        drain(token, "dev-1", null, null, 10);
        HttpResponse<String> r = send(java.net.http.HttpRequest.newBuilder(
                uri("/api/v1/sync/status?deviceId=dev-1")).header("Authorization", "Bearer " + token).GET());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode status = parse(r.body());
        assertThat(status.path("deviceId").asText()).isEqualTo("dev-1");
        assertThat(status.path("userId").asText()).isEqualTo("user-1");
        assertThat(status.path("lastProcessedOpId").asLong()).isEqualTo(1);
        assertThat(status.path("lastPushAt").asText()).isNotEmpty();
        assertThat(status.path("lastPullAt").asText()).isNotEmpty();
        assertThat(status.path("openConflicts").asLong()).isZero();
        assertThat(status.path("serverTime").asText()).isNotEmpty();
    }

    @Test
    void aReaderFollowingCursorsWhileEightWritersPushSeesEveryRecord() throws Exception {
        int writers = 8;
        int pushesEach = 15;
        int opsPerPush = 5;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < writers; w++) {
            int writer = w;
            String writerToken = token(tenant, "writer-" + w, Role.USER);
            Thread t = new Thread(() -> {
                try {
                    long op = 1;
                    for (int p = 0; p < pushesEach; p++) {
                        StringBuilder ops = new StringBuilder();
                        for (int i = 0; i < opsPerPush; i++) {
                            if (i > 0) ops.append(',');
                            ops.append("{'opId':").append(op++).append(",'type':'create','collection':'notes',")
                                    .append("'id':'w").append(writer).append("-").append(p).append("-").append(i)
                                    .append("','data':{}}");
                        }
                        pushOk(writerToken, json("{'deviceId':'writer-" + writer + "','operations':[" + ops + "]}"));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        Set<String> seen = new TreeSet<>();
        String cursor = null;
        while (threads.stream().anyMatch(Thread::isAlive)) {
            Drained d = drain(token, "reader", cursor, null, 7);
            d.changes().forEach(c -> seen.add(c.path("id").asText()));
            cursor = d.cursor();
        }
        for (Thread t : threads) t.join();
        assertThat(failures).isEmpty();
        int expected = writers * pushesEach * opsPerPush;
        String[] last = {cursor};
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            Drained d = drain(token, "reader", last[0], null, 7);
            d.changes().forEach(c -> seen.add(c.path("id").asText()));
            last[0] = d.cursor();
            return seen.size() >= expected;
        });
        assertThat(seen).hasSize(expected);
    }
}
