package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * Whether stored histories match their hash chains. {@code mismatches} names the first event of each record whose
 * stored hash differs from the one recomputed from the stored events (everything after it is suspect too).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(requiredProperties = {"valid", "records", "events"})
public record VerifyResponse(boolean valid, long records, long events, List<Mismatch> mismatches) {

    @Schema(name = "ChainMismatch", requiredProperties = {"record", "sequence"})
    public record Mismatch(String record, long sequence, String eventId, String expected, String stored) {
    }
}
