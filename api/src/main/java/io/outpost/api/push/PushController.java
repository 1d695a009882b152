package io.outpost.api.push;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.dto.PushResponse;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/v1/sync/push} (PROTOCOL.md, Push). */
@RestController
@RequestMapping("/api/v1/sync")
class PushController {

    private final PushService pushes;

    PushController(PushService pushes) {
        this.pushes = pushes;
    }

    @PostMapping(path = "/push", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    PushResponse push(@RequestBody JsonNode body, @AuthenticationPrincipal SyncPrincipal caller) {
        return pushes.push(caller, PushRequestParser.parse(body));
    }
}
