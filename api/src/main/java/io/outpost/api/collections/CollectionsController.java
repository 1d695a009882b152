package io.outpost.api.collections;

import io.outpost.api.config.SyncProperties;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.dto.CollectionsResponse;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/collections} (PROTOCOL.md v1.2, Schemas for clients): every declared collection with its JSON
 * Schema and the rules a client needs to validate and present data before queueing it, for any signed-in caller.
 * {@code canWrite} is what the caller's roles allow: pushing needs the {@code user} or {@code admin} role, and a
 * collection with {@code write-roles} one of those too (admins may always write).
 */
@RestController
@Tag(name = "Collections")
class CollectionsController {

    private final CollectionCatalog catalog;
    private final boolean allowUndeclared;

    CollectionsController(CollectionCatalog catalog, SyncProperties sync) {
        this.catalog = catalog;
        this.allowUndeclared = sync.undeclaredCollectionsAllowed();
    }

    @Operation(operationId = "collections",
            summary = "The declared collections with their JSON Schemas and the caller's rights")
    @GetMapping(path = "/api/v1/collections", produces = MediaType.APPLICATION_JSON_VALUE)
    CollectionsResponse list(@AuthenticationPrincipal SyncPrincipal caller) {
        boolean pushes = caller.roles().contains(Role.USER) || caller.roles().contains(Role.ADMIN);
        Map<String, CollectionsResponse.Collection> collections = new TreeMap<>();
        for (CollectionRules rules : catalog.declared()) {
            collections.put(rules.name(), new CollectionsResponse.Collection(rules.schema().document().orElse(null),
                    rules.counters().isEmpty() ? null : rules.counters().stream().sorted().toList(),
                    rules.derive().isEmpty() ? null : rules.derive().keySet().stream().sorted().toList(),
                    lower(rules.idMode()), lower(rules.visibility()), rules.ownerField(), rules.references(),
                    rules.strategy().configName(), rules.appendOnly(),
                    pushes && caller.allowedBy(rules.writeRoles())));
        }
        return new CollectionsResponse(collections, allowUndeclared);
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
