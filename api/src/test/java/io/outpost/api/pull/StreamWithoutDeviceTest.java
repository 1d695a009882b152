package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outpost.api.support.ServerTest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Contract v1.2: {@code /sync/stream} takes an optional deviceId; without one it still streams pokes. */
class StreamWithoutDeviceTest extends ServerTest {

    @Test
    void aStreamWithoutADeviceIdIsPokedAndABadDeviceIdIsRefused() throws InterruptedException {
        String token = userToken(anyTenant());
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(uri("/api/v1/sync/stream"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build();
        Thread reader = new Thread(() -> {
            try {
                HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(request,
                        HttpResponse.BodyHandlers.ofLines());
                lines.add("status:" + response.statusCode());
                response.body().forEach(lines::add);
            } catch (Exception e) {
                lines.add("error:" + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains("status:200")
                    && lines.stream().anyMatch(l -> l.startsWith(":connected")));
            pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                    + "'id':'a','data':{}}]}"));
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.contains("event:poke"));
        } finally {
            reader.interrupt();
        }
        HttpResponse<String> bad = get(token, "/api/v1/sync/stream?deviceId=" + "x".repeat(65));
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(parse(bad.body()).path("code").asText()).isEqualTo("invalid_request");
    }
}
