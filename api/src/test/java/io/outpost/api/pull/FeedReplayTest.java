package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outpost.api.support.ServerTest;
import io.outpost.query.feed.ChangeFeedProjection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.axonframework.eventhandling.AnnotationEventHandlerAdapter;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Replaying events through the feed projection changes nothing (upserts guarded by version and opId). */
class FeedReplayTest extends ServerTest {

    @Autowired
    private ChangeFeedProjection projection;
    @Autowired
    private EventStore eventStore;

    @Test
    void handlingEveryEventOfARecordAgainChangesNothing() throws Exception {
        String tenant = anyTenant();
        pushOk(userToken(tenant), json("{'deviceId':'dev-1','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'r','data':{'v':1}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'r','baseVersion':1,'data':{'v':2}},"
                + "{'opId':3,'type':'update','collection':'notes','id':'r','baseVersion':1,'data':{'v':9}}]}"));
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM device_progress WHERE tenant = ? AND last_op_id = 3", Long.class, tenant) == 1);
        Map<String, Object> record = jdbc.queryForMap("SELECT version, data::text, change_seq FROM records "
                + "WHERE tenant = ? AND id = 'r'", tenant);
        Map<String, Object> progress = jdbc.queryForMap("SELECT last_op_id, progress_seq FROM device_progress "
                + "WHERE tenant = ?", tenant);

        AnnotationEventHandlerAdapter handler = new AnnotationEventHandlerAdapter(projection);
        List<? extends DomainEventMessage<?>> events = eventStore.readEvents(tenant + "/notes/r").asStream().toList();
        assertThat(events).hasSize(3);
        for (DomainEventMessage<?> event : events) handler.handle(event);

        assertThat(jdbc.queryForMap("SELECT version, data::text, change_seq FROM records WHERE tenant = ? "
                + "AND id = 'r'", tenant)).isEqualTo(record);
        assertThat(jdbc.queryForMap("SELECT last_op_id, progress_seq FROM device_progress WHERE tenant = ?", tenant))
                .isEqualTo(progress);
        assertThat(record.get("version")).isEqualTo(2L);
    }
}
