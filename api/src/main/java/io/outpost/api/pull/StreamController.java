package io.outpost.api.pull;

import io.outpost.api.device.DeviceRegistry;
import io.outpost.api.security.SyncPrincipal;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/v1/sync/stream}: Server-Sent Events. A {@code poke} event {@code {"cursor": …}} whenever changes
 * commit in the caller's tenant (coalesced), a heartbeat comment every 15 s. The poke's cursor marks how far the feed
 * has got (clients compare it with theirs); clients pull with their own cursor. Streams last at most an hour, then
 * the client reconnects.
 */
@RestController
@RequestMapping("/api/v1/sync")
class StreamController {

    static final Duration STREAM_TIMEOUT = Duration.ofHours(1);

    private final PokeHub hub;
    private final CursorCodec cursors;
    private final DeviceRegistry devices;
    private final Clock clock;

    StreamController(PokeHub hub, CursorCodec cursors, DeviceRegistry devices, Clock clock) {
        this.hub = hub;
        this.cursors = cursors;
        this.devices = devices;
        this.clock = clock;
    }

    @GetMapping(path = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter stream(@RequestParam(required = false) String deviceId,
                      @RequestParam(required = false) String collections,
                      @AuthenticationPrincipal SyncPrincipal caller) throws IOException {
        // v1.2: deviceId is optional; when given it is checked and bound as on pull (one device, one user)
        if (deviceId != null) {
            devices.bind(caller.tenant(), PullRequestParams.deviceId(deviceId), caller.userId(), clock.instant());
        }
        Set<String> names = PullRequestParams.collections(collections);
        String namesKey = String.join(",", names);
        SseEmitter emitter = new SseEmitter(STREAM_TIMEOUT.toMillis());
        String tenant = caller.tenant();
        hub.subscribe(tenant, new PokeHub.Subscriber(emitter, head -> Map.of("cursor",
                cursors.encode(tenant, new Cursor(head.epoch(), head.position(), null, 0, namesKey)))));
        emitter.send(SseEmitter.event().comment("connected"));
        return emitter;
    }
}
