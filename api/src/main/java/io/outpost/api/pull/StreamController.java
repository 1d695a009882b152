package io.outpost.api.pull;

import io.outpost.api.device.DeviceRegistry;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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
@Tag(name = "Sync")
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

    @Operation(operationId = "stream",
            summary = "Server-Sent Events: a poke whenever changes commit in the caller's tenant",
            responses = @ApiResponse(responseCode = "200",
                    description = "an endless event stream (closed after an hour)",
                    content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(type = "string",
                            description = "`event: poke` with `data: {\"cursor\": \"…\"}` when changes commit "
                                    + "(coalesced); a comment line every 15 s"))))
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.DEVICE_BOUND_TO_OTHER_USER, ErrorCode.DEVICE_REVOKED})
    @GetMapping(path = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter stream(@Parameter(description = "the device: 1-64 characters of [A-Za-z0-9._:-]", schema =
            @Schema(pattern = "^[A-Za-z0-9._:-]{1,64}$")) @RequestParam(required = false) String deviceId,
                      @Parameter(description = "comma-separated collection names; none for all")
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
