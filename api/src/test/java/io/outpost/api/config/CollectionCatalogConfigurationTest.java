package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.ConflictStrategy;
import io.outpost.command.api.FieldError;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.DefaultResourceLoader;

class CollectionCatalogConfigurationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static SyncProperties.CollectionProperties collection(String strategy, String onOverlap,
                                                                  Map<String, String> references,
                                                                  Map<String, SyncProperties.DeriveProperties> derive,
                                                                  String schema) {
        return new SyncProperties.CollectionProperties(strategy, onOverlap, null, null, null, references, schema,
                derive);
    }

    private static CollectionCatalog catalog(Map<String, SyncProperties.CollectionProperties> collections,
                                             boolean allowUndeclared) {
        SyncProperties sync = new SyncProperties(null, collections, allowUndeclared, null, null);
        return new CollectionCatalogConfiguration().collectionCatalog(sync, new DefaultResourceLoader(), JSON);
    }

    @Test
    void declaredCollectionsGetTheirRulesAndUndeclaredOnesTheDefaults() {
        CollectionCatalog catalog = catalog(Map.of("notes", collection("merge", "client-wins", null, null, null)),
                true);
        CollectionRules notes = catalog.find("notes").orElseThrow();
        assertThat(notes.strategy()).isEqualTo(ConflictStrategy.MERGE);
        assertThat(notes.onOverlap()).isEqualTo(ConflictStrategy.CLIENT_WINS);
        CollectionRules other = catalog.find("other").orElseThrow();
        assertThat(other.strategy()).isEqualTo(ConflictStrategy.REJECT);
        assertThat(other.idMode()).isEqualTo(CollectionRules.IdMode.CLIENT);
        assertThat(other.visibility()).isEqualTo(CollectionRules.Visibility.TENANT);
        assertThat(catalog.find("Not-A-Name")).isEmpty();
    }

    @Test
    void undeclaredCollectionsAreAllowedByDefaultOnlyInDevelopmentMode() {
        SyncProperties.Security withSecret = new SyncProperties.Security(new SyncProperties.Jwt(
                "a-configured-secret-of-more-than-32-bytes-0123456789", null, null, null));
        SyncProperties production = new SyncProperties(withSecret, Map.of(), null, null, null);
        assertThat(production.developmentMode()).isFalse();
        assertThat(production.undeclaredCollectionsAllowed()).as("a misspelled collection is not a new one")
                .isFalse();
        assertThat(new CollectionCatalogConfiguration().collectionCatalog(production, new DefaultResourceLoader(),
                JSON).find("pets")).isEmpty();

        SyncProperties development = new SyncProperties(null, Map.of(), null, null, null);
        assertThat(development.developmentMode()).as("no secret: the embedded default generates one").isTrue();
        assertThat(development.undeclaredCollectionsAllowed()).isTrue();

        assertThat(new SyncProperties(withSecret, Map.of(), true, null, null).undeclaredCollectionsAllowed())
                .as("configured wins").isTrue();
        assertThat(new SyncProperties(null, Map.of(), false, null, null).undeclaredCollectionsAllowed()).isFalse();
    }

    @Test
    void undeclaredCollectionsAreUnknownWhenNotAllowed() {
        CollectionCatalog catalog = catalog(Map.of("notes", collection(null, null, null, null, null)), false);
        assertThat(catalog.find("notes")).isPresent();
        assertThat(catalog.find("other")).isEmpty();
    }

    @Test
    void anUnknownStrategyStopsTheServerNamingTheProperty() {
        assertThatThrownBy(() -> catalog(Map.of("notes", collection("newest-wins", null, null, null, null)), true))
                .hasMessageContaining("sync.collections.notes.conflict-strategy").hasMessageContaining("newest-wins");
        assertThatThrownBy(() -> catalog(Map.of("notes", collection("merge", "merge", null, null, null)), true))
                .hasMessageContaining("sync.collections.notes.on-overlap");
    }

    @Test
    void aDerivedFieldMustComeFromADeclaredReference() {
        assertThatThrownBy(() -> catalog(Map.of("appointments", collection(null, null, Map.of("petId", "pets"),
                Map.of("clientId", new SyncProperties.DeriveProperties("ownerRef", "ownerId")), null)), true))
                .hasMessageContaining("sync.collections.appointments.derive.clientId.from");
    }

    @Test
    void anUnreadableSchemaStopsTheServer() {
        assertThatThrownBy(() -> catalog(Map.of("notes", collection(null, null, null, null,
                "classpath:schemas/missing.schema.json")), true))
                .hasMessageContaining("sync.collections.notes.schema");
    }

    @Test
    void schemaErrorsNameNestedFieldPaths() throws Exception {
        CollectionRules rules = catalog(Map.of("sales", collection(null, null, null, null,
                "classpath:schemas/sale.schema.json")), true).find("sales").orElseThrow();
        ObjectNode sale = (ObjectNode) JSON.readTree("{\"items\":[{\"sku\":\"a\",\"qty\":1},{\"qty\":\"two\"}]}");
        assertThat(rules.schema().validate(sale)).extracting(FieldError::field)
                .containsExactlyInAnyOrder("items[1].qty", "items[1].sku");
    }
}
