package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Map;

/**
 * The answer of {@code GET /api/v1/collections}: the declared collections by name, sorted, and
 * whether the server also accepts undeclared ones (with the defaults and no schema).
 */
@Schema(requiredProperties = {"collections", "allowUndeclared"})
public record CollectionsResponse(Map<String, Collection> collections, boolean allowUndeclared) {

    /**
     * One collection. {@code schema} is its JSON Schema document, absent when it has none; {@code idMode} is
     * {@code client} or {@code server}; {@code visibility} {@code tenant} or {@code owner}; {@code references} maps a
     * field to the collection whose record it names; {@code conflictStrategy} is the collection's strategy;
     * {@code counters} the fields {@code increment} ops may change (absent when none); {@code derived} the fields
     * the server computes from a referenced record, so a form does not offer them (absent when none).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "CollectionInfo", requiredProperties = {"idMode", "visibility", "conflictStrategy", "appendOnly",
            "canWrite"})
    public record Collection(@Schema(implementation = Object.class,
            description = "the collection's JSON Schema document") JsonNode schema, java.util.List<String> counters,
            java.util.List<String> derived,
                             @Schema(allowableValues = {"client", "server"}) String idMode,
                             @Schema(allowableValues = {"tenant", "owner"}) String visibility, String ownerField,
                                     Map<String, String> references,
                             @Schema(allowableValues = {"reject", "merge", "client-wins", "last-write-wins", "manual"})
                             String conflictStrategy, boolean appendOnly, boolean canWrite) {
    }
}
