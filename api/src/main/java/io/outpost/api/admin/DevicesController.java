package io.outpost.api.admin;

import io.outpost.api.device.DeviceRegistry;
import io.outpost.api.push.DeviceIds;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.command.api.FieldError;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/admin/devices/{deviceId}/revoke} (contract v1.2, Device revocation; role admin): 204, and every
 * later request naming the device is 403 {@code device_revoked}; the SDKs then wipe that device's local store. A
 * revoked deviceId is never bound again. Revoking twice is a 204 too; a device the tenant never saw is 404.
 */
@RestController
@Tag(name = "Admin")
class DevicesController {

    private final DeviceRegistry devices;
    private final Clock clock;

    DevicesController(DeviceRegistry devices, Clock clock) {
        this.devices = devices;
        this.clock = clock;
    }

    @PostMapping("/api/v1/admin/devices/{deviceId}/revoke")
    @Operation(operationId = "revokeDevice",
            summary = "Revoke a device: every later request naming it is 403 device_revoked",
            responses = @ApiResponse(responseCode = "204", description = "revoked (also when it already was)"))
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.NOT_FOUND})
    ResponseEntity<Void> revoke(@PathVariable String deviceId, @AuthenticationPrincipal SyncPrincipal caller) {
        if (!DeviceIds.isValid(deviceId)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "deviceId must be 1-64 characters of [A-Za-z0-9._:-]",
                    List.of(new FieldError("deviceId", "must be 1-64 characters of [A-Za-z0-9._:-]")));
        }
        if (!devices.revoke(caller.tenant(), deviceId, caller.userId(), clock.instant())) {
            throw new ApiException(ErrorCode.NOT_FOUND, "no device " + deviceId + " in this tenant");
        }
        return ResponseEntity.noContent().build();
    }
}
