package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.outpost.api.OutpostApplication;
import io.outpost.api.support.ServerTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code GET /sync/stream}: a second server node on the same database; a subscriber of that node gets a poke when a
 * push commits on the first (PostgreSQL LISTEN/NOTIFY, no broker).
 */
class StreamAcrossNodesTest extends ServerTest {

    @Autowired
    private DataSource dataSource;
    private ConfigurableApplicationContext secondNode;
    private final List<Thread> readers = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopSecondNode() {
        readers.forEach(Thread::interrupt);
        if (secondNode != null) secondNode.close();
    }

    private List<String> subscribe(int nodePort, String token, String deviceId) {
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + nodePort
                        + "/api/v1/sync/stream?deviceId=" + deviceId))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build();
        Thread reader = new Thread(() -> {
            try {
                HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
                lines.add("status:" + response.statusCode());
                response.body().forEach(lines::add);
            } catch (Exception e) {
                lines.add("error:" + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        readers.add(reader);
        return lines;
    }

    @Test
    void aPushOnOneNodePokesASubscriberOfAnother() {
        String url = ((HikariDataSource) dataSource).getJdbcUrl();
        secondNode = new SpringApplicationBuilder(OutpostApplication.class).profiles("test")
                .run("--server.port=0", "--spring.datasource.url=" + url, "--spring.datasource.username=postgres",
                        "--spring.datasource.password=");
        int secondPort = ((WebServerApplicationContext) secondNode).getWebServer().getPort();

        String tenant = anyTenant();
        String token = userToken(tenant);
        List<String> events = subscribe(secondPort, token, "watcher");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("status:200") && events.stream()
                .anyMatch(l -> l.startsWith(":connected")));

        pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'a','data':{}}]}"));

        // the event's lines arrive one by one: wait for the one after "event:poke" too
        await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("event:poke")
                && events.size() > events.indexOf("event:poke") + 1);
        String data = events.get(events.indexOf("event:poke") + 1);
        assertThat(data).startsWith("data:").contains("\"cursor\"");

        String otherTenant = anyTenant();
        List<String> otherEvents = subscribe(secondPort, userToken(otherTenant), "watcher-2");
        await().atMost(Duration.ofSeconds(10)).until(() -> otherEvents.contains("status:200"));
        pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':2,'type':'create','collection':'notes',"
                + "'id':'b','data':{}}]}"));
        await().atMost(Duration.ofSeconds(30)).until(() -> events.stream().filter("event:poke"::equals).count() >= 2);
        assertThat(otherEvents).as("another tenant's subscriber is not poked").doesNotContain("event:poke");

        secondNode.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> readers.stream().noneMatch(Thread::isAlive));
        assertThat(events).as("the stream ended cleanly on shutdown").noneMatch(l -> l.startsWith("error:"));
    }

    @Test
    void aStreamNeedsAToken() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v1/sync/stream?deviceId=d")).GET());
        assertThat(r.statusCode()).isEqualTo(401);
    }

}
