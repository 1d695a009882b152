package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;

/**
 * The answer to {@code GET /admin/stats/history}: the caller's tenant's stored samples (docs/console.md, Stats over
 * time), oldest first. {@code operations} of a sample are the operations of the interval before it (the difference
 * of the tenant's counters to the previous sample); null for the first sample ever stored. {@code projectionLag} is
 * the change feed's lag on the node that sampled ({@code events} -1: the feed did not run there).
 * {@code pushes} and {@code pushLatencyMs} (mean, null without a push) are that node's push requests in the interval.
 */
@Schema(requiredProperties = {"intervalSeconds", "from", "to", "samples"})
public record StatsHistoryResponse(long intervalSeconds, Instant from, Instant to, List<Sample> samples) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "StatsSample", requiredProperties = {"at", "openConflicts", "projectionLag", "pushes"})
    public record Sample(Instant at, @Schema(nullable = true) StatsResponse.Operations operations, long openConflicts,
                         StatsResponse.ProjectionLag projectionLag, long pushes,
                         @Schema(nullable = true) Double pushLatencyMs) {
    }
}
