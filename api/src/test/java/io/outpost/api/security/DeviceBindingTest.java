package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A deviceId first used by one user, presented by another: 403 on push, pull, status and stream. */
class DeviceBindingTest extends ServerTest {

    @Test
    void anotherUsersDeviceIsForbiddenEverywhere() {
        String tenant = anyTenant();
        pushOk(token(tenant, "owner", Role.USER), json("{'deviceId':'till-1','operations':[]}"));
        String intruder = token(tenant, "intruder", Role.USER);
        List<HttpResponse<String>> answers = List.of(
                push(intruder, json("{'deviceId':'till-1','operations':[]}")),
                pull(intruder, "till-1", null, null, null),
                get(intruder, "/api/v1/sync/status?deviceId=till-1"),
                get(intruder, "/api/v1/sync/stream?deviceId=till-1"));
        for (HttpResponse<String> answer : answers) {
            assertThat(answer.statusCode()).as(answer.uri().toString()).isEqualTo(403);
            assertThat(parse(answer.body()).path("code").asText()).isEqualTo("device_bound_to_other_user");
        }
        assertThat(get(token(tenant, "owner", Role.USER), "/api/v1/sync/status?deviceId=till-1").statusCode())
                .isEqualTo(200);
    }
}
