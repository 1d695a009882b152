package io.outpost.api.push;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
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
    private final ObjectMapper json;

    PushController(PushService pushes, CollectionCatalog catalog, ObjectMapper json) {
        this.pushes = pushes;
        this.catalog = catalog;
        this.json = json;
    }

    @Operation(operationId = "push", summary = "Apply a device's operations, in order, exactly once",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = PushRequestBody.class))))
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.TOO_MANY_OPERATIONS, ErrorCode.DEVICE_BOUND_TO_OTHER_USER,
            ErrorCode.DEVICE_REVOKED, ErrorCode.UPGRADE_REQUIRED, ErrorCode.SCHEMA_VERSION_UNSUPPORTED})
    @PostMapping(path = "/push", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    PushResponse push(@RequestBody byte[] body, @AuthenticationPrincipal SyncPrincipal caller,
                      HttpServletRequest http) {
        // the body is read as bytes now and parsed only once the push is admitted: a push waiting for admission
        // holds one array, not the tree of its ops (32 waiting pushes of 200 ops held ~13 MB of trees that outlived
        // two young collections and were promoted, filling the old generation: docs/benchmarks.md, seventh step)
        return pushes.admitted(() -> {
            PushRequest request = PushRequestParser.parse(parse(body, http));
            PushSchemaVersions.admit(catalog, request);
            return PushSchemaVersions.answer(catalog, request, pushes.push(caller, request));
        });
    }

    /** The body as Spring's JSON converter reads it, failing as it fails (ProblemAdvice turns both into problems). */
    private JsonNode parse(byte[] body, HttpServletRequest http) {
        try {
            return json.readValue(body, JsonNode.class);
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("JSON parse error: " + e.getOriginalMessage(), e,
                    new ServletServerHttpRequest(http));
        } catch (IOException e) {
            throw new HttpMessageNotReadableException("I/O error while reading the body", e,
                    new ServletServerHttpRequest(http));
        }
    }
}
