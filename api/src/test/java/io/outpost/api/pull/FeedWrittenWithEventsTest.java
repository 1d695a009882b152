package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The change feed is written in the push's own transaction (a subscribing processor): what a push changed is in the
 * feed when the push is answered, and a tenant's feed stays gap-free under concurrent pushes because a pull reads only
 * below the oldest open transaction (V19, ChangeFeedReader), not because writers wait for each other.
 */
class FeedWrittenWithEventsTest extends ServerTest {

    @Autowired
    DataSource dataSource;

    /** Opens a transaction on {@code holder} that takes the tenant's feed lock with {@code function}. */
    private static void holdFeedLock(Connection holder, String function, String tenant) throws Exception {
        holder.setAutoCommit(false);
        try (PreparedStatement lock = holder.prepareStatement("SELECT " + function + "(?, hashtext(?))")) {
            lock.setInt(1, 0x0f5eed);
            lock.setString(2, tenant);
            lock.execute();
        }
    }

    @Test
    void aPushsChangesAreInTheFeedWhenItIsAnswered() {
        String tenant = anyTenant();
        String token = userToken(tenant);
        for (int i = 1; i <= 5; i++) {
            pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':" + i + ",'type':'create',"
                    + "'collection':'notes','id':'n-" + i + "','data':{'i':" + i + "}}]}"));
            // no waiting: the answer comes after the commit that wrote the feed
            Drained now = drain(token, "dev-1", null, null, 100);
            assertThat(now.changes()).hasSize(i);
            assertThat(now.lastProcessedOpId()).isEqualTo(i);
        }
    }

    /**
     * A transaction that holds the tenant's feed lock exclusively (as a rebuild's switch or a visibility change does)
     * makes the next push of that tenant wait before it draws positions, and only that tenant's.
     */
    @Test
    void aPushWaitsForTheTenantsFeedLockHeldByAnotherTransaction() throws Exception {
        String tenant = anyTenant();
        String other = anyTenant();
        String token = userToken(tenant);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection holder = dataSource.getConnection()) {
            holdFeedLock(holder, "pg_advisory_xact_lock", tenant);
            Future<HttpResponse<String>> blocked = pool.submit(() -> push(token, json("{'deviceId':'dev-1',"
                    + "'operations':[{'opId':1,'type':'create','collection':'notes','id':'a','data':{'v':1}}]}")));
            await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject("SELECT count(*) FROM pg_locks "
                    + "WHERE locktype = 'advisory' AND classid = ? AND NOT granted", Long.class, 0x0f5eed) == 1);
            assertThat(blocked).isNotDone();
            assertThat(drain(token, "dev-1", null, null, 10).changes()).isEmpty();

            // another tenant's push is not held up
            pushOk(userToken(other), json("{'deviceId':'dev-2','operations':[{'opId':1,'type':'create',"
                    + "'collection':'notes','id':'b','data':{'v':1}}]}"));
            assertThat(blocked).isNotDone();

            holder.rollback();
            HttpResponse<String> answer = blocked.get(20, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(drain(token, "dev-1", null, null, 10).ids()).containsExactly("notes/a");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Pushes take the tenant's feed lock shared: one push holding it (here a transaction that took it as a push does)
     * does not hold up another.
     */
    @Test
    void pushesOfOneTenantDoNotWaitForEachOther() throws Exception {
        String tenant = anyTenant();
        String token = userToken(tenant);
        try (Connection holder = dataSource.getConnection()) {
            holdFeedLock(holder, "pg_advisory_xact_lock_shared", tenant);
            pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                    + "'id':'a','data':{'v':1}}]}"));
            assertThat(drain(token, "dev-1", null, null, 10).ids()).containsExactly("notes/a");
            holder.rollback();
        }
    }

    /**
     * The case the feed's horizon is for: a transaction draws a feed position and commits only after a later one has
     * committed a higher position. A pull in between must not move past the earlier one, or it would skip it for ever:
     * it answers without the later change (and says so in lastProcessedOpId), and the next pull brings both.
     */
    @Test
    void aPositionThatCommitsAfterAHigherOneIsNotSkipped() throws Exception {
        String tenant = anyTenant();
        String token = userToken(tenant);
        pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'first','data':{'v':1}}]}"));
        String cursor = drain(token, "dev-1", null, null, 10).cursor();
        try (Connection slow = dataSource.getConnection()) {
            slow.setAutoCommit(false);
            try (PreparedStatement early = slow.prepareStatement("INSERT INTO records (tenant, collection, id, "
                    + "version, deleted, data, owner, created_by, updated_at, updated_by, schema_version, change_seq) "
                    + "VALUES (?, 'notes', 'early', 1, false, '{\"v\":1}', 'user-1', 'user-1', now(), 'user-1', 1, "
                    + "nextval('change_seq'))")) {
                early.setString(1, tenant);
                early.executeUpdate();
            }
            // a higher position, committed first
            pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':2,'type':'create','collection':'notes',"
                    + "'id':'late','data':{'v':1}}]}"));

            Drained meanwhile = drain(token, "dev-1", cursor, null, 10);
            assertThat(meanwhile.ids()).as("nothing above the open transaction").isEmpty();
            assertThat(meanwhile.lastProcessedOpId()).as("op 2's effects are not in this page").isEqualTo(1);
            slow.commit();

            Drained after = drain(token, "dev-1", meanwhile.cursor(), null, 10);
            assertThat(after.ids()).containsExactly("notes/early", "notes/late");
            assertThat(after.lastProcessedOpId()).isEqualTo(2);
        }
    }

    /**
     * Eight devices push concurrently while a reader pulls incrementally with one cursor the whole time: at the end
     * the reader has seen every record, none skipped by a position that committed after a higher one was read.
     */
    @Test
    void anIncrementalReaderMissesNothingWhileDevicesPushConcurrently() throws Exception {
        String tenant = anyTenant();
        String token = userToken(tenant);
        int devices = 8;
        int pushes = 15;
        ExecutorService pool = Executors.newFixedThreadPool(devices);
        AtomicBoolean pushing = new AtomicBoolean(true);
        Set<String> seen = new HashSet<>();
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            String cursor = null;
            while (true) {
                boolean last = !pushing.get();
                JsonNode page;
                do {
                    page = pullOk(token, "reader", cursor, null, 50);
                    page.path("changes").forEach(c -> seen.add(c.path("id").asText()));
                    cursor = page.path("cursor").asText();
                } while (page.path("hasMore").asBoolean());
                if (last) return cursor;
            }
        });
        List<Future<?>> work = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            String device = "dev-" + d;
            work.add(pool.submit(() -> {
                for (int p = 0; p < pushes; p++) {
                    StringBuilder ops = new StringBuilder();
                    for (int o = 0; o < 4; o++) {
                        int opId = p * 4 + o + 1;
                        if (o > 0) ops.append(',');
                        ops.append("{'opId':").append(opId).append(",'type':'create','collection':'notes','id':'")
                                .append(device).append('-').append(opId).append("','data':{'v':1}}");
                    }
                    pushOk(token, json("{'deviceId':'" + device + "','operations':[" + ops + "]}"));
                }
                return null;
            }));
        }
        for (Future<?> f : work) f.get(120, TimeUnit.SECONDS);
        pushing.set(false);
        reader.get(60, TimeUnit.SECONDS);
        pool.shutdown();

        assertThat(seen).hasSize(devices * pushes * 4);
    }
}
