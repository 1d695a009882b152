package io.outpost.api.push;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.api.web.dto.PushRequestBody;
import io.outpost.api.web.dto.PushResponse;
import io.outpost.command.api.CollectionCatalog;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/v1/sync/push} (PROTOCOL.md, Push). */
@RestController
@Tag(name = "Sync")
@RequestMapping("/api/v1/sync")
class PushController {

    private final PushService pushes;
    private final CollectionCatalog catalog;

    PushController(PushService pushes, CollectionCatalog catalog) {
        this.pushes = pushes;
        this.catalog = catalog;
    }

    @Operation(operationId = "push", summary = "Apply a device's operations, in order, exactly once",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = PushRequestBody.class))))
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.TOO_MANY_OPERATIONS, ErrorCode.DEVICE_BOUND_TO_OTHER_USER,
            ErrorCode.DEVICE_REVOKED, ErrorCode.UPGRADE_REQUIRED, ErrorCode.SCHEMA_VERSION_UNSUPPORTED})
    @PostMapping(path = "/push", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    PushResponse push(@RequestBody JsonNode body, @AuthenticationPrincipal SyncPrincipal caller) {
        PushRequest request = PushRequestParser.parse(body);
        PushSchemaVersions.admit(catalog, request);
        return PushSchemaVersions.answer(catalog, request, pushes.push(caller, request));
    }
}
