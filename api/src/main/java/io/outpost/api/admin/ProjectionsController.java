package io.outpost.api.admin;

import io.outpost.api.config.ProjectionLagMetrics;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.outpost.command.api.FieldError;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/admin/projections/rebuild} (202, or 409 while one runs) and {@code GET /api/v1/admin/projections}
 * (role admin): the change feed's position and lag, and the rebuild's progress (events processed / total).
 * A rebuild rebuilds the read model and change feed of every tenant: it is an operator's tool.
 */
@RestController
@Tag(name = "Admin")
@RequestMapping(path = "/api/v1/admin/projections", produces = MediaType.APPLICATION_JSON_VALUE)
class ProjectionsController {

    private final ProjectionRebuild rebuild;
    private final ProjectionLagMetrics lag;

    ProjectionsController(ProjectionRebuild rebuild, ProjectionLagMetrics lag) {
        this.rebuild = rebuild;
        this.lag = lag;
    }

    /** The live change-feed processor on this node; {@code eventsBehind} is -1 where it does not run. */
    @Schema(name = "ProjectionFeed", requiredProperties = {"name", "runsOnThisNode", "eventsBehind", "secondsBehind",
            "replaying"})
    record Feed(String name, boolean runsOnThisNode, long eventsBehind, double secondsBehind, boolean replaying) {
    }

    /** The answer to {@code GET /admin/projections}. */
    @Schema(requiredProperties = {"feed", "rebuild"})
    record Projections(Feed feed, ProjectionRebuild.Status rebuild) {
    }

    @GetMapping
    @Operation(operationId = "projections", summary = "The change feed's position and lag, and the rebuild's progress")
    Projections projections() {
        ProjectionLagMetrics.Lag now = lag.lag();
        ProjectionRebuild.Status status = rebuild.status();
        return new Projections(new Feed("sync-feed", now.runsOnThisNode(), now.events(), now.seconds(),
                status.busy()), status);
    }

    @PostMapping("/rebuild")
    @Operation(operationId = "rebuildProjections",
            summary = "Rebuild the read model and change feed from the event store",
            description = "Without reset, only records whose rebuilt state differs from the live one get new feed "
                    + "positions: every cursor stays valid and devices pull exactly the differences. With reset=true "
                    + "a new feed epoch starts: every device gets reset: true and downloads its data again "
                    + "(docs/rebuild.md says when that is needed).",
            responses = @ApiResponse(responseCode = "202", description = "started; poll GET /api/v1/admin/projections"))
    @ProblemCodes({ErrorCode.CONFLICT, ErrorCode.INVALID_REQUEST})
    ResponseEntity<ProjectionRebuild.Status> start(
            @Parameter(description = "start a new feed epoch: every cursor gets reset: true (default false)",
                    schema = @Schema(type = "boolean", defaultValue = "false"))
            @RequestParam(required = false) String reset) {
        boolean newEpoch;
        if (reset == null || reset.equals("false")) {
            newEpoch = false;
        } else if (reset.equals("true")) {
            newEpoch = true;
        } else {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "reset must be true or false",
                    List.of(new FieldError("reset", "must be true or false")));
        }
        if (!rebuild.start(newEpoch)) {
            throw new ApiException(ErrorCode.CONFLICT, "a rebuild is already running on this node");
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(rebuild.status());
    }
}
