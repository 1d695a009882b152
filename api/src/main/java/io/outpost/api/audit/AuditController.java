package io.outpost.api.audit;

import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.api.web.dto.HistoryEntry;
import io.outpost.api.web.dto.RecordAsOfResponse;
import io.outpost.api.web.dto.VerifyResponse;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordKey;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/audit/records/{collection}/{id}/history} and {@code …/{id}?version=N|at=<time>} (roles auditor or
 * admin). Both fold the record's own event stream in the caller's tenant.
 */
@RestController
@Tag(name = "Audit")
@RequestMapping(path = "/api/v1/audit/records", produces = MediaType.APPLICATION_JSON_VALUE)
class AuditController {

    private static final Set<String> CHANGES = Set.of("create", "update", "delete");

    private final RecordHistory histories;
    private final ChainVerifier verifier;

    AuditController(RecordHistory histories, ChainVerifier verifier) {
        this.histories = histories;
        this.verifier = verifier;
    }

    /** Whether the record's stored history matches its hash chain. */
    @GetMapping("/{collection}/{id}/verify")
    @Operation(operationId = "verifyRecord", summary = "Check a record's stored history against its hash chain")
    @ProblemCodes(ErrorCode.NOT_FOUND)
    VerifyResponse verify(@PathVariable String collection, @PathVariable String id,
                          @AuthenticationPrincipal SyncPrincipal caller) {
        VerifyResponse result = verifier.record(key(caller, collection, id));
        if (result.events() == 0) throw notFound(collection, id);
        return result;
    }

    @GetMapping("/{collection}/{id}/history")
    @Operation(operationId = "recordHistory", summary = "Every change and attempt of a record, in order")
    @ProblemCodes(ErrorCode.NOT_FOUND)
    List<HistoryEntry> history(@PathVariable String collection, @PathVariable String id,
                               @AuthenticationPrincipal SyncPrincipal caller) {
        List<HistoryEntry> history = histories.of(key(caller, collection, id));
        if (history.isEmpty()) throw notFound(collection, id);
        return history;
    }

    @GetMapping("/{collection}/{id}")
    @Operation(operationId = "recordAsOf", summary = "A record as it was at a version or a time (give exactly one)")
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.NOT_FOUND})
    RecordAsOfResponse asOf(@PathVariable String collection, @PathVariable String id,
                            @RequestParam(required = false) Long version, @Parameter(schema =
                                    @Schema(format = "date-time")) @RequestParam(required = false) String at,
                            @AuthenticationPrincipal SyncPrincipal caller) {
        if ((version == null) == (at == null)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "give exactly one of version or at",
                    List.of(new FieldError("version", "or at is required, not both")));
        }
        Instant until = at == null ? null : instant(at);
        HistoryEntry found = null;
        for (HistoryEntry e : histories.of(key(caller, collection, id))) {
            if (!CHANGES.contains(e.type())) continue;
            if (version != null ? e.version() > version : e.recordedAt().isAfter(until)) break;
            found = e;
        }
        if (found == null || version != null && found.version() != version) {
            throw new ApiException(ErrorCode.NOT_FOUND, "record " + collection + "/" + id + " did not exist "
                    + (version != null ? "at version " + version : "at " + at));
        }
        return new RecordAsOfResponse(collection, id, found.version(), "delete".equals(found.type()), found.data(),
                found.recordedAt(), found.userId());
    }

    private static RecordKey key(SyncPrincipal caller, String collection, String id) {
        if (!RecordKey.isValidCollection(collection) || !RecordKey.isValidId(id)) {
            throw notFound(collection, id);
        }
        return new RecordKey(caller.tenant(), collection, id);
    }

    private static ApiException notFound(String collection, String id) {
        return new ApiException(ErrorCode.NOT_FOUND, "no record " + collection + "/" + id);
    }

    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "at must be an ISO-8601 time with offset",
                    List.of(new FieldError("at", "must be an ISO-8601 time with offset, e.g. 2026-11-22T10:00:00Z")));
        }
    }
}
