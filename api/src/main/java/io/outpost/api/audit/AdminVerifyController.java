package io.outpost.api.audit;

import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.dto.VerifyResponse;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/admin/verify} (role admin): every record stream of the caller's tenant against its hash chain. */
@RestController
@Tag(name = "Admin")
class AdminVerifyController {

    private final ChainVerifier verifier;

    AdminVerifyController(ChainVerifier verifier) {
        this.verifier = verifier;
    }

    @Operation(operationId = "verifyTenant",
            summary = "Check every record history of the tenant against its hash chain")
    @GetMapping(path = "/api/v1/admin/verify", produces = MediaType.APPLICATION_JSON_VALUE)
    VerifyResponse verifyTenant(@AuthenticationPrincipal SyncPrincipal caller) {
        return verifier.tenant(caller.tenant());
    }
}
