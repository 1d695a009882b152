package io.outpost.api.conflicts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.Collisions;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.api.web.dto.ConflictResponse;
import io.outpost.api.web.dto.ResolveRequest;
import io.outpost.api.web.dto.ResolveResponse;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.ConflictIds;
import io.outpost.command.api.ConflictResolution;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.ResolutionRefusedException;
import io.outpost.command.api.ResolveConflictCommand;
import io.outpost.command.api.SyncMetaData;
import io.outpost.query.conflicts.ConflictsReader;
import io.outpost.query.conflicts.FetchConflictsQuery;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/conflicts} and {@code POST /api/v1/conflicts/{id}/resolve} (PROTOCOL.md, Conflicts API). Users
 * see and resolve conflicts of their own operations, admins all of their tenant's. A resolution is a command on the
 * record's aggregate, so it is decided against the record's current state and lands in its history.
 */
@RestController
@Tag(name = "Conflicts")
@RequestMapping(path = "/api/v1/conflicts", produces = MediaType.APPLICATION_JSON_VALUE)
class ConflictsController {

    static final int LIST_LIMIT = 1000;

    private final ConflictsReader conflicts;
    private final CommandGateway commands;
    private final Clock clock;

    private final CollectionCatalog catalog;

    ConflictsController(ConflictsReader conflicts, CommandGateway commands, Clock clock, CollectionCatalog catalog) {
        this.conflicts = conflicts;
        this.commands = commands;
        this.clock = clock;
        this.catalog = catalog;
    }

    @GetMapping
    @Operation(operationId = "conflicts",
            summary = "Conflicts of the caller's operations (all of the tenant's for admins), at most 1000")
    @ProblemCodes(ErrorCode.INVALID_REQUEST)
    List<ConflictResponse> list(@Parameter(schema = @Schema(allowableValues = {"open", "resolved"}))
            @RequestParam(required = false) String status,
                                @RequestParam(required = false) String collection,
                                @AuthenticationPrincipal SyncPrincipal caller) {
        if (status != null && !status.equals("open") && !status.equals("resolved")) {
            throw bad("status", "must be open or resolved");
        }
        if (collection != null && !RecordKey.isValidCollection(collection)) {
            throw bad("collection", "is not a collection name");
        }
        return conflicts.fetch(new FetchConflictsQuery(caller.tenant(), caller.isAdmin() ? null : caller.userId(),
                status, collection, LIST_LIMIT)).stream().map(c -> new ConflictResponse(c.conflictId(),
                c.collection(), c.id(), c.deviceId(), c.userId(), c.opId(), c.baseVersion(), c.serverVersion(),
                c.clientData(), c.serverData(), c.fields(), c.status(), c.createdAt(), c.resolution())).toList();
    }

    @Operation(operationId = "resolveConflict",
            summary = "Resolve a parked conflict with the server's, the client's or custom data",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ResolveRequest.class))))
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.VALIDATION_FAILED, ErrorCode.NOT_FOUND,
            ErrorCode.CONFLICT_ALREADY_RESOLVED})
    @PostMapping(path = "/{conflictId}/resolve", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResolveResponse resolve(@PathVariable String conflictId, @RequestBody JsonNode body,
                            @AuthenticationPrincipal SyncPrincipal caller) {
        RecordKey key = ConflictIds.record(caller.tenant(), conflictId)
                .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "no conflict " + conflictId));
        ResolveConflictCommand.Resolution resolution = resolution(body);
        JsonNode data = body.get("data");
        if (data != null && !data.isNull() && !data.isObject()) throw bad("data", "must be a JSON object");
        // resolve-roles (contract v1.2): only those roles (and admins) resolve; the op's own user no longer may
        java.util.Set<String> resolvers = catalog.find(key.collection()).map(CollectionRules::resolveRoles)
                .orElse(java.util.Set.of());
        if (!caller.allowedBy(resolvers)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "conflicts of collection " + key.collection()
                    + " are resolved by the roles " + new java.util.TreeSet<>(resolvers) + " (or an admin) only");
        }
        ResolveConflictCommand command = new ResolveConflictCommand(key, conflictId, resolution,
                data instanceof ObjectNode o ? o : null, caller.userId(),
                caller.isAdmin() || caller.hasAnyRole(resolvers), clock.instant());
        MetaData meta = MetaData.with(SyncMetaData.TENANT, caller.tenant()).and(SyncMetaData.USER, caller.userId());
        for (int attempt = 1; ; attempt++) {
            try {
                ConflictResolution done = commands.sendAndWait(
                        GenericCommandMessage.asCommandMessage(command).withMetaData(meta));
                return new ResolveResponse(done.version(), done.data());
            } catch (RuntimeException e) {
                ApiException answer = answer(e, conflictId);
                if (answer != null) throw answer;
                if (attempt >= 3 || !Collisions.isRetryable(e)) throw e;
            }
        }
    }

    private static ResolveConflictCommand.Resolution resolution(JsonNode body) {
        JsonNode value = body == null ? null : body.get("resolution");
        if (value != null && value.isTextual()) {
            for (ResolveConflictCommand.Resolution r : ResolveConflictCommand.Resolution.values()) {
                if (r.wire().equals(value.asText().toLowerCase(Locale.ROOT))) return r;
            }
        }
        throw bad("resolution", "must be server, client or custom");
    }

    private static ApiException answer(Throwable failure, String conflictId) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AggregateNotFoundException) {
                return new ApiException(ErrorCode.NOT_FOUND, "no conflict " + conflictId);
            }
            if (t instanceof ResolutionRefusedException refused) {
                return switch (refused.reason()) {
                    case UNKNOWN -> new ApiException(ErrorCode.NOT_FOUND, refused.getMessage());
                    case ALREADY_RESOLVED -> new ApiException(ErrorCode.CONFLICT_ALREADY_RESOLVED,
                            refused.getMessage());
                    case NOT_ALLOWED -> new ApiException(ErrorCode.FORBIDDEN, refused.getMessage());
                    case INVALID_DATA -> new ApiException(ErrorCode.VALIDATION_FAILED, refused.getMessage(),
                            refused.fields());
                };
            }
        }
        return null;
    }


    private static ApiException bad(String field, String message) {
        return new ApiException(ErrorCode.INVALID_REQUEST, field + " " + message,
                List.of(new FieldError(field, message)));
    }
}
