package io.outpost.api.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.ConflictStrategy;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordSchema;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Builds the {@link CollectionCatalog} from {@code sync.collections} and {@code sync.allow-undeclared-collections}
 * ({@link SyncProperties#undeclaredCollectionsAllowed()}: off by default outside development mode).
 * A configuration mistake (unknown strategy, unreadable schema, a derived field whose source is not a declared
 * reference) stops the server at start with a message naming the property.
 */
@Configuration(proxyBeanMethods = false)
class CollectionCatalogConfiguration {

    private static final Logger log = LoggerFactory.getLogger(CollectionCatalogConfiguration.class);

    @Bean
    CollectionCatalog collectionCatalog(SyncProperties sync, ResourceLoader resources, ObjectMapper mapper) {
        Map<String, CollectionRules> declared = new LinkedHashMap<>();
        sync.collections().forEach((name, p) -> declared.put(name, rules(name, p, resources, mapper)));
        Map<String, CollectionRules> undeclared = new java.util.concurrent.ConcurrentHashMap<>();
        boolean allowUndeclared = sync.undeclaredCollectionsAllowed();
        if (allowUndeclared) {
            log.info("sync.allow-undeclared-collections is on{}: an op on any valid collection name creates that "
                    + "collection with the default rules; set it to false to accept only the {} declared one(s)",
                    sync.allowUndeclaredCollections() == null ? " (the development-mode default)" : "",
                    declared.size());
        }
        return new CollectionCatalog() {
            @Override
            public Optional<CollectionRules> find(String collection) {
                CollectionRules rules = declared.get(collection);
                if (rules != null) return Optional.of(rules);
                rules = collection == null ? null : undeclared.get(collection);
                if (rules != null) return Optional.of(rules);
                if (!allowUndeclared || collection == null || !RecordKey.isValidCollection(collection)) {
                    return Optional.empty();
                }
                return Optional.of(undeclared.computeIfAbsent(collection, CollectionRules::defaults));
            }

            @Override
            public Collection<CollectionRules> declared() {
                return declared.values();
            }
        };
    }

    static CollectionRules rules(String name, SyncProperties.CollectionProperties p, ResourceLoader resources,
                                 ObjectMapper mapper) {
        String prefix = "sync.collections." + name + ".";
        if (!RecordKey.isValidCollection(name)) {
            throw new IllegalStateException("sync.collections: '" + name
                    + "' is not a valid collection name ([a-z][a-z0-9_]{0,62})");
        }
        ConflictStrategy strategy = strategy(prefix + "conflict-strategy", p.conflictStrategy());
        ConflictStrategy onOverlap = strategy(prefix + "on-overlap", p.onOverlap());
        if (onOverlap == ConflictStrategy.MERGE || onOverlap == ConflictStrategy.LAST_WRITE_WINS) {
            throw new IllegalStateException(prefix + "on-overlap must be reject, manual or client-wins");
        }
        CollectionRules.IdMode idMode = enumOf(CollectionRules.IdMode.class, prefix + "id-mode", p.idMode());
        CollectionRules.Visibility visibility =
                enumOf(CollectionRules.Visibility.class, prefix + "visibility", p.visibility());
        Map<String, String> references = p.references() == null ? Map.of() : p.references();
        references.forEach((field, target) -> {
            if (!RecordKey.isValidCollection(target)) {
                throw new IllegalStateException(prefix + "references." + field + ": '" + target
                        + "' is not a valid collection name");
            }
        });
        Map<String, CollectionRules.Derivation> derive = new HashMap<>();
        if (p.derive() != null) {
            p.derive().forEach((field, d) -> {
                if (d == null || d.from() == null || d.field() == null) {
                    throw new IllegalStateException(prefix + "derive." + field + " needs 'from' and 'field'");
                }
                if (!references.containsKey(d.from())) {
                    throw new IllegalStateException(prefix + "derive." + field + ".from: '" + d.from()
                            + "' is not one of the declared references " + references.keySet());
                }
                derive.put(field, new CollectionRules.Derivation(d.from(), d.field()));
            });
        }
        RecordSchema schema = p.schema() == null || p.schema().isBlank() ? null
                : new JsonSchemaRecordSchema(readSchema(prefix + "schema", p.schema(), resources, mapper));
        java.util.Set<String> counters = new java.util.LinkedHashSet<>(p.counters() == null ? List.of() : p.counters());
        for (String counter : counters) {
            if (counter == null || counter.isBlank() || references.containsKey(counter) || derive.containsKey(counter)
                    || counter.equals(p.ownerField())) {
                throw new IllegalStateException(prefix + "counters: '" + counter
                        + "' must be a plain field name, not a reference, derived or owner field");
            }
        }
        return new CollectionRules(name, strategy, onOverlap, idMode, visibility, p.ownerField(), references, derive,
                schema, counters, roles(prefix + "write-roles", p.writeRoles()),
                roles(prefix + "resolve-roles", p.resolveRoles()), Boolean.TRUE.equals(p.appendOnly()),
                SchemaVersionsConfiguration.of(prefix, p, location -> new JsonSchemaRecordSchema(
                        readSchema(prefix + "schema-versions", location, resources, mapper)), mapper));
    }

    private static java.util.Set<String> roles(String property, List<String> names) {
        if (names == null) return java.util.Set.of();
        for (String n : names) {
            if (n == null || !io.outpost.api.security.SyncPrincipal.ROLE_NAME.matcher(n).matches()) {
                throw new IllegalStateException(property + ": '" + n + "' is not a role name ([a-z][a-z0-9_-]{0,31})");
            }
        }
        return java.util.Set.copyOf(names);
    }

    private static JsonNode readSchema(String property, String location, ResourceLoader resources,
                                       ObjectMapper mapper) {
        Resource resource = resources.getResource(location);
        try (InputStream in = resource.getInputStream()) {
            return mapper.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(property + ": cannot read JSON Schema at " + location + ": "
                    + e.getMessage(), e);
        }
    }

    private static ConflictStrategy strategy(String property, String value) {
        if (value == null || value.isBlank()) return null;
        return ConflictStrategy.byName(value.trim()).orElseThrow(() -> new IllegalStateException(property + ": '"
                + value + "' is not one of reject, merge, client-wins, last-write-wins, manual"));
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String property, String value) {
        if (value == null || value.isBlank()) return null;
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(property + ": '" + value + "' is not one of "
                    + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
                    .toList());
        }
    }
}
