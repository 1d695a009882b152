package io.outpost.api.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.api.web.dto.AuditEvent;
import io.outpost.api.web.dto.AuditEventsPage;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordKey;
import io.outpost.query.audit.EventExportReader;
import io.outpost.query.audit.ExportedEvent;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.OutputStream;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * {@code GET /api/v1/audit/events?after=&limit=}: the caller's tenant's events in global order with their positions,
 * as JSON pages, or with {@code Accept: application/x-ndjson} as one event per line, streamed from {@code after} to the
 * end (or {@code limit} events). Each page is one index range scan, so its cost does not grow with the store.
 */
@RestController
@Tag(name = "Audit")
@RequestMapping("/api/v1/audit/events")
class AuditExportController {

    static final String NDJSON = "application/x-ndjson";
    static final int MAX_PAGE = 1000;

    private final EventExportReader reader;
    private final ObjectMapper mapper;

    AuditExportController(EventExportReader reader, ObjectMapper mapper) {
        this.reader = reader;
        this.mapper = mapper;
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "auditEvents",
            summary = "The tenant's events in global order: JSON pages, or NDJSON with Accept: application/x-ndjson",
            responses = @ApiResponse(responseCode = "200",
                    description = "a page (JSON), or every event from after on, one AuditEvent per line (NDJSON)",
                    content = {@Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema =
                            @Schema(implementation = AuditEventsPage.class)),
                            @Content(mediaType = NDJSON, schema = @Schema(type = "string",
                                    description = "one AuditEvent JSON object per line"))}))
    @ProblemCodes(ErrorCode.INVALID_REQUEST)
    AuditEventsPage page(@Parameter(description = "the position after which to start", schema =
            @Schema(type = "integer", format = "int64", minimum = "0")) @RequestParam(required = false) String after,
                         @Parameter(description = "at most this many events (JSON: 1-1000, default 500; NDJSON: no "
                                 + "upper bound, default all)", schema = @Schema(type = "integer", minimum = "1"))
                                 @RequestParam(required = false) String limit,
                         @AuthenticationPrincipal SyncPrincipal caller) {
        long from = number("after", after, 0, Long.MAX_VALUE, 0);
        int size = (int) number("limit", limit, 1, MAX_PAGE, 500);
        List<ExportedEvent> rows = reader.page(caller.tenant(), from, size + 1);
        boolean hasMore = rows.size() > size;
        List<AuditEvent> events = rows.stream().limit(size).map(e -> event(caller.tenant(), e)).toList();
        return new AuditEventsPage(events, events.isEmpty() ? from : events.get(events.size() - 1).position(),
                hasMore);
    }

    /** One OpenAPI operation with {@link #page}: springdoc merges the two, so both describe it whole. */
    @GetMapping(produces = NDJSON)
    @Operation(operationId = "auditEvents",
            summary = "The tenant's events in global order: JSON pages, or NDJSON with Accept: application/x-ndjson",
            responses = @ApiResponse(responseCode = "200",
                    description = "a page (JSON), or every event from after on, one AuditEvent per line (NDJSON)",
                    content = {@Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema =
                            @Schema(implementation = AuditEventsPage.class)),
                            @Content(mediaType = NDJSON, schema = @Schema(type = "string",
                                    description = "one AuditEvent JSON object per line"))}))
    @ProblemCodes(ErrorCode.INVALID_REQUEST)
    ResponseEntity<StreamingResponseBody> stream(@Parameter(description = "the position after which to start", schema =
            @Schema(type = "integer", format = "int64", minimum = "0")) @RequestParam(required = false) String after,
                                                 @Parameter(description = "at most this many events (JSON: 1-1000, "
                                                         + "default 500; NDJSON: no upper bound, default all)",
                                                         schema = @Schema(type = "integer", minimum = "1"))
                                                         @RequestParam(required = false) String limit,
                                                 @AuthenticationPrincipal SyncPrincipal caller) {
        long from = number("after", after, 0, Long.MAX_VALUE, 0);
        long max = number("limit", limit, 1, Long.MAX_VALUE, Long.MAX_VALUE);
        StreamingResponseBody body = out -> write(out, caller.tenant(), from, max);
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(NDJSON)).body(body);
    }

    private void write(OutputStream out, String tenant, long from, long max) throws java.io.IOException {
        long position = from;
        long written = 0;
        while (written < max) {
            List<ExportedEvent> rows = reader.page(tenant, position, (int) Math.min(MAX_PAGE, max - written));
            if (rows.isEmpty()) break;
            for (ExportedEvent e : rows) {
                out.write(mapper.writeValueAsBytes(event(tenant, e)));
                out.write('\n');
                position = e.position();
                written++;
            }
            out.flush();
        }
    }

    /** Free-standing events (aggregate id = event id) belong to no record stream. */
    private static AuditEvent event(String tenant, ExportedEvent e) {
        String aggregate = e.aggregateIdentifier().startsWith(tenant + "/")
                ? e.aggregateIdentifier().substring(tenant.length() + 1) : null;
        if (aggregate != null) {
            try {
                RecordKey.parse(e.aggregateIdentifier());
            } catch (IllegalArgumentException notARecord) {
                aggregate = null;
            }
        }
        return new AuditEvent(e.position(), e.eventId(), aggregate, e.sequence(),
                e.payloadType().substring(e.payloadType().lastIndexOf('.') + 1), e.payloadRevision(), e.recordedAt(),
                e.metadataJson(), e.payloadJson());
    }

    private static long number(String field, String value, long min, long max, long fallback) {
        if (value == null) return fallback;
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new ApiException(ErrorCode.INVALID_REQUEST, field + " must be an integer from " + min
                + (max == Long.MAX_VALUE ? " up" : " to " + max),
                List.of(new FieldError(field, "must be an integer from " + min)));
    }

}
