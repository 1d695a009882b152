package io.outpost.api.pull;

import io.outpost.api.device.DeviceRegistry;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.api.web.dto.DeviceStatusResponse;
import io.outpost.api.web.dto.PullResponse;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.query.conflicts.ConflictsReader;
import io.outpost.query.pull.ChangeFeedReader;
import io.outpost.query.pull.ChangesResponse;
import io.outpost.query.pull.FetchChangesQuery;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/sync/pull} and {@code GET /api/v1/sync/status} (PROTOCOL.md, Pull). */
@RestController
@Tag(name = "Sync")
@RequestMapping(path = "/api/v1/sync", produces = MediaType.APPLICATION_JSON_VALUE)
class PullController {

    private final ChangeFeedReader feed;
    private final CursorCodec cursors;
    private final DeviceRegistry devices;
    private final ConflictsReader conflicts;
    private final Clock clock;
    private final CollectionCatalog catalog;

    PullController(ChangeFeedReader feed, CursorCodec cursors, DeviceRegistry devices, ConflictsReader conflicts,
                   Clock clock, CollectionCatalog catalog) {
        this.catalog = catalog;
        this.conflicts = conflicts;
        this.feed = feed;
        this.cursors = cursors;
        this.devices = devices;
        this.clock = clock;
    }

    @GetMapping("/pull")
    @Operation(operationId = "pull", summary = "Changes after a cursor (or a snapshot without one), in pages")
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_CURSOR, ErrorCode.DEVICE_BOUND_TO_OTHER_USER,
            ErrorCode.DEVICE_REVOKED, ErrorCode.UPGRADE_REQUIRED, ErrorCode.SCHEMA_VERSION_UNSUPPORTED})
    PullResponse pull(@Parameter(required = true, description = "the device: 1-64 characters of [A-Za-z0-9._:-]",
            schema = @Schema(pattern = "^[A-Za-z0-9._:-]{1,64}$")) @RequestParam(required = false) String deviceId,
                      @Parameter(description = "the cursor of the last page; none for a snapshot")
                              @RequestParam(required = false) String cursor,
                      @Parameter(description = "comma-separated collection names; none for all")
                              @RequestParam(required = false) String collections,
                      @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "1000",
                              defaultValue = "500")) @RequestParam(required = false) String limit,
                      @Parameter(description = "how many ops the device still has queued (after the push that "
                              + "preceded this pull); shown to admins (GET /admin/devices); optional",
                              schema = @Schema(type = "integer", minimum = "0", maximum = "1000000000"))
                              @RequestParam(required = false) String pendingOps,
                      @Parameter(description = "the collection schema versions the app reads, as collection:version "
                              + "pairs (pets:2,visits:1); collections left out come in their current version "
                              + "(docs/schema-versions.md)", schema = @Schema(pattern = "^[a-z][a-z0-9_]{0,62}:[1-9][0-9]*"
                              + "(,[a-z][a-z0-9_]{0,62}:[1-9][0-9]*)*$"))
                              @RequestParam(required = false) String schemaVersions,
                              @AuthenticationPrincipal SyncPrincipal caller) {
        String device = PullRequestParams.deviceId(deviceId);
        int pageSize = PullRequestParams.limit(limit);
        Set<String> names = PullRequestParams.collections(collections);
        Long pending = PullRequestParams.pendingOps(pendingOps);
        PullSchemaVersions shapes = PullSchemaVersions.parse(catalog, schemaVersions);
        String namesKey = String.join(",", names);
        Cursor from = cursor == null || cursor.isEmpty() ? null : cursors.decode(caller.tenant(), namesKey, cursor);
        devices.bindForPull(caller.tenant(), device, caller.userId(), clock.instant(), pending);

        // a cursor of an older feed epoch (a rebuild with reset) is read as a first page (reset: true), decided in
        // the page's own transaction
        FetchChangesQuery query = from == null
                ? FetchChangesQuery.firstPage(caller.tenant(), caller.userId(), caller.isAdmin(), device, names,
                pageSize)
                : new FetchChangesQuery(caller.tenant(), caller.userId(), caller.isAdmin(), device, from.position(),
                from.snapshotStart(), names, pageSize, from.seenOpId(), from.epoch());
        ChangesResponse page = feed.fetch(query);
        boolean reset = page.reset();
        String next = cursors.encode(caller.tenant(), new Cursor(page.epoch(), page.position(), page.snapshotStart(),
                page.lastProcessedOpId(), namesKey));
        return new PullResponse(page.changes().stream().map(c -> new PullResponse.Change(c.collection(), c.id(),
                c.version(), c.deleted(), shapes.data(c), c.updatedAt(), c.updatedBy())).toList(), next, page.hasMore(),
                page.lastProcessedOpId(), reset);
    }

    @GetMapping("/status")
    @Operation(operationId = "deviceStatus", summary = "A device's progress as the server sees it")
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.DEVICE_BOUND_TO_OTHER_USER, ErrorCode.DEVICE_REVOKED})
    DeviceStatusResponse status(@Parameter(required = true,
            description = "the device: 1-64 characters of [A-Za-z0-9._:-]", schema =
            @Schema(pattern = "^[A-Za-z0-9._:-]{1,64}$")) @RequestParam(required = false) String deviceId,
                                @AuthenticationPrincipal SyncPrincipal caller) {
        String device = PullRequestParams.deviceId(deviceId);
        Instant now = clock.instant();
        devices.bind(caller.tenant(), device, caller.userId(), now);
        DeviceRegistry.Device d = devices.find(caller.tenant(), device).orElseThrow();
        return new DeviceStatusResponse(device, d.userId(), d.lastOpId(), d.lastPushAt(), d.lastPullAt(),
                conflicts.openForDevice(caller.tenant(), device), now);
    }
}
