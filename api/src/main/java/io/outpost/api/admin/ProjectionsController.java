package io.outpost.api.admin;

import io.outpost.api.config.ProjectionLagMetrics;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/admin/projections/rebuild} (202, or 409 while one runs) and {@code GET /api/v1/admin/projections}
 * (role admin): the change feed's position and lag, and the rebuild's progress (events processed / total).
 * A rebuild rebuilds the read model and change feed of every tenant: it is an operator's tool.
 */
@RestController
@RequestMapping(path = "/api/v1/admin/projections", produces = MediaType.APPLICATION_JSON_VALUE)
class ProjectionsController {

    private final ProjectionRebuild rebuild;
    private final ProjectionLagMetrics lag;

    ProjectionsController(ProjectionRebuild rebuild, ProjectionLagMetrics lag) {
        this.rebuild = rebuild;
        this.lag = lag;
    }

    @GetMapping
    Map<String, Object> projections() {
        Map<String, Object> feed = new LinkedHashMap<>();
        feed.put("name", "sync-feed");
        ProjectionLagMetrics.Lag now = lag.lag();
        feed.put("runsOnThisNode", now.runsOnThisNode());
        feed.put("eventsBehind", now.events());
        feed.put("secondsBehind", now.seconds());
        ProjectionRebuild.Status status = rebuild.status();
        feed.put("replaying", status.busy());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("feed", feed);
        answer.put("rebuild", status);
        return answer;
    }

    @PostMapping("/rebuild")
    ResponseEntity<ProjectionRebuild.Status> start() {
        if (!rebuild.start()) {
            throw new ApiException(ErrorCode.CONFLICT, "a rebuild is already running on this node");
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(rebuild.status());
    }
}
