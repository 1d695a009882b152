package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.outpost.api.security.Role;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.ConflictStrategy;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The example servers under {@code examples/}: every {@code examples/<domain>/outpost.yml} is bound and turned into
 * collection rules the way the server does it, and its schemas, samples, references and demo accounts are checked.
 * Runs with working directory {@code api/}; schema locations {@code file:examples/…} are relative to the repository
 * root, where {@code ./mvnw -pl api -am spring-boot:run} starts the server.
 */
class ExampleConfigsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path EXAMPLES = ROOT.resolve("examples");
    private static final List<String> SEED_DOMAINS = List.of("pharmacy", "vet-clinic", "rural-health", "shop");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PasswordEncoder PASSWORDS = PasswordEncoderFactories.createDelegatingPasswordEncoder();
    /** A row of a README's demo account table: {@code | `username` | `password` | …}. */
    private static final Pattern ACCOUNT_ROW = Pattern.compile("(?m)^\\|\\s*`([^`]+)`\\s*\\|\\s*`([^`]+)`\\s*\\|");

    /** {@code file:examples/…} from the repository root, as the running server resolves it. */
    private static final ResourceLoader FROM_ROOT = new DefaultResourceLoader() {
        @Override
        public Resource getResource(String location) {
            return location.startsWith("file:examples/")
                    ? new FileSystemResource(ROOT.resolve(location.substring("file:".length())))
                    : super.getResource(location);
        }
    };

    private record Example(String name, Path dir, SyncProperties sync, OutpostProperties outpost,
                           Map<String, CollectionRules> rules) {

        JsonNode schemaJson(String collection) {
            return readJson(ROOT.resolve(sync.collections().get(collection).schema().substring("file:".length())));
        }

        ObjectNode sample(String collection) {
            return (ObjectNode) readJson(dir.resolve("samples").resolve(collection + ".json"));
        }
    }

    static List<String> examples() {
        try (Stream<Path> dirs = Files.list(EXAMPLES)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("outpost.yml")))
                    .map(d -> d.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Example load(String name) {
        Path dir = EXAMPLES.resolve(name);
        List<PropertySource<?>> yaml;
        try {
            yaml = new YamlPropertySourceLoader().load(name, new FileSystemResource(dir.resolve("outpost.yml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Binder binder = new Binder(ConfigurationPropertySources.from(yaml));
        SyncProperties sync = binder.bind("sync", SyncProperties.class)
                .orElseThrow(() -> new AssertionError(name + "/outpost.yml has no sync section"));
        OutpostProperties outpost = binder.bind("outpost", OutpostProperties.class)
                .orElseThrow(() -> new AssertionError(name + "/outpost.yml has no outpost section"));
        Map<String, CollectionRules> rules = new LinkedHashMap<>();
        sync.collections().forEach((collection, p) ->
                rules.put(collection, CollectionCatalogConfiguration.rules(collection, p, FROM_ROOT, JSON)));
        return new Example(name, dir, sync, outpost, rules);
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> errorFields(CollectionRules rules, ObjectNode data) {
        return rules.schema().validate(data).stream().map(FieldError::field).toList();
    }

    @Test
    void theFourSeedDomainsAreThereAndIndexed() {
        assertThat(examples()).containsAll(SEED_DOMAINS);
        String index = read(EXAMPLES.resolve("README.md"));
        for (String name : examples()) {
            assertThat(index).as("examples/README.md lists %s", name).contains("`" + name + "/`");
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void isItsOwnServerWithOnlyDeclaredCollections(String name) {
        Example example = load(name);
        assertThat(example.outpost().dataDir()).as("outpost.data-dir").isEqualTo("./data/" + name);
        assertThat(example.sync().allowUndeclaredCollections()).as("sync.allow-undeclared-collections").isFalse();
        assertThat(example.sync().collections()).isNotEmpty();
        CollectionCatalog catalog = new CollectionCatalogConfiguration()
                .collectionCatalog(example.sync(), FROM_ROOT, JSON);
        assertThat(catalog.declared()).extracting(CollectionRules::name)
                .containsExactlyInAnyOrderElementsOf(example.sync().collections().keySet());
        assertThat(catalog.find("not_declared_here")).isEmpty();
        // the start-up banner's "Try:" create is one this configuration accepts (SampleRecord checks the schema)
        assertThat(io.outpost.api.collections.SampleRecord.pick(catalog.declared(), false))
                .as("a sample record for the banner").hasValueSatisfying(sample -> {
                    CollectionRules rules = catalog.find(sample.collection()).orElseThrow();
                    assertThat(rules.references()).isEmpty();
                    assertThat(errorFields(rules, sample.data())).isEmpty();
                    assertThat(sample.data().size()).isPositive();
                });
        assertThat(read(example.dir().resolve("README.md"))).as("the README's start command").contains(
                "SPRING_CONFIG_ADDITIONAL_LOCATION=examples/" + name + "/outpost.yml ./mvnw -pl api -am spring-boot:run");
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everySchemaIsADraft2020SchemaBesideTheExample(String name) {
        Example example = load(name);
        JsonSchema metaSchema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        example.sync().collections().forEach((collection, p) -> {
            assertThat(p.schema()).as("%s schema location", collection)
                    .startsWith("file:examples/" + name + "/schemas/");
            assertThat(example.rules().get(collection).schema()).as("%s schema", collection)
                    .isNotSameAs(RecordSchema.NONE);
            JsonNode schema = example.schemaJson(collection);
            assertThat(schema.path("$schema").asText()).as("%s $schema", collection)
                    .isEqualTo("https://json-schema.org/draft/2020-12/schema");
            Set<ValidationMessage> problems = metaSchema.validate(schema);
            assertThat(problems).as("%s against the 2020-12 meta-schema", collection).isEmpty();
            schema.path("properties").fields().forEachRemaining(property -> assertThat(property.getValue().has("type"))
                    .as("%s.%s declares a type", collection, property.getKey()).isTrue());
        });
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyCollectionHasAValidSampleAndRefusesBrokenOnes(String name) {
        Example example = load(name);
        try (Stream<Path> files = Files.list(example.dir().resolve("samples"))) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).as("one sample per collection")
                    .containsExactlyInAnyOrderElementsOf(example.sync().collections().keySet().stream()
                            .map(c -> c + ".json").toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        example.rules().forEach((collection, rules) -> {
            ObjectNode sample = example.sample(collection);
            assertThat(rules.schema().validate(sample)).as("%s sample", collection).isEmpty();
            JsonNode schema = example.schemaJson(collection);

            for (JsonNode required : schema.path("required")) {
                ObjectNode missing = sample.deepCopy();
                missing.remove(required.asText());
                assertThat(errorFields(rules, missing)).as("%s without %s", collection, required.asText())
                        .contains(required.asText());
            }
            schema.path("properties").fieldNames().forEachRemaining(field -> {
                ObjectNode wrong = sample.deepCopy();
                boolean object = "object".equals(schema.path("properties").path(field).path("type").asText());
                if (object) wrong.put(field, "not an object");
                else wrong.putObject(field).put("not", "a " + field);
                assertThat(errorFields(rules, wrong)).as("%s with a wrongly typed %s", collection, field)
                        .contains(field);
            });
            ObjectNode unknown = sample.deepCopy().put("dosemg", 1);
            assertThat(rules.schema().validate(unknown)).as("%s with an unknown field", collection)
                    .anySatisfy(error -> assertThat(error.message()).contains("dosemg"));
        });
    }

    @ParameterizedTest
    @MethodSource("examples")
    void referencesOwnerFieldsAndDerivedFieldsFitTheSchemas(String name) {
        Example example = load(name);
        example.rules().forEach((collection, rules) -> {
            JsonNode properties = example.schemaJson(collection).path("properties");
            Set<String> required = new TreeSet<>();
            example.schemaJson(collection).path("required").forEach(r -> required.add(r.asText()));
            ObjectNode sample = example.sample(collection);
            rules.references().forEach((field, target) -> {
                assertThat(example.sync().collections()).as("%s.%s references a declared collection", collection,
                        field).containsKey(target);
                assertThat(properties.has(field)).as("%s schema declares reference %s", collection, field).isTrue();
                assertThat(sample.path(field).isTextual()).as("%s sample sets reference %s", collection, field)
                        .isTrue();
            });
            if (rules.ownerField() != null) {
                assertThat(rules.visibility()).as("%s owner-field without visibility owner", collection)
                        .isEqualTo(CollectionRules.Visibility.OWNER);
                assertThat(properties.has(rules.ownerField())).as("%s schema declares owner-field", collection)
                        .isTrue();
            }
            rules.derive().forEach((field, derivation) -> {
                // the server writes this field into the state it validates; the schema must allow it, and must
                // not require it (a referenced record without the source field leaves it out)
                assertThat(properties.has(field)).as("%s schema declares derived %s", collection, field).isTrue();
                assertThat(required).as("%s requires derived %s", collection, field).doesNotContain(field);
                assertThat(sample.has(field)).as("%s sample sets derived %s (the server replaces it)", collection,
                        field).isFalse();
                String source = rules.references().get(derivation.from());
                assertThat(example.schemaJson(source).path("properties").has(derivation.field()))
                        .as("%s.%s is derived from %s.%s, which its schema declares", collection, field, source,
                                derivation.field()).isTrue();
                ObjectNode withDerived = sample.deepCopy();
                withDerived.set(field, example.sample(source).path(derivation.field()));
                assertThat(rules.schema().validate(withDerived)).as("%s with derived %s", collection, field)
                        .isEmpty();
            });
        });
    }

    @ParameterizedTest
    @MethodSource("examples")
    void demoAccountsLogInWithThePasswordsTheReadmeGives(String name) {
        Example example = load(name);
        Map<String, String> documented = new HashMap<>();
        Matcher row = ACCOUNT_ROW.matcher(read(example.dir().resolve("README.md")));
        while (row.find()) documented.put(row.group(1), row.group(2));

        List<SyncProperties.UserAccount> users = example.sync().users();
        assertThat(users).as("demo accounts").isNotEmpty();
        assertThat(users).extracting(SyncProperties.UserAccount::username)
                .as("accounts in README.md's table").containsExactlyInAnyOrderElementsOf(documented.keySet());
        assertThat(users).extracting(SyncProperties.UserAccount::tenant).as("one tenant per example")
                .containsOnly(users.get(0).tenant());
        List<String> canPush = new ArrayList<>();
        for (SyncProperties.UserAccount user : users) {
            assertThat(user.tenant()).as("%s tenant", user.username()).matches(RecordKey.TENANT);
            assertThat(user.roles()).as("%s roles", user.username()).isNotEmpty()
                    .allSatisfy(role -> assertThat(role).as("role %s: a role name (contract v1.2)", role)
                            .matches(io.outpost.api.security.SyncPrincipal.ROLE_NAME));
            assertThat(user.password()).as("%s password hash", user.username()).startsWith("{bcrypt}$2a$10$");
            assertThat(PASSWORDS.matches(documented.get(user.username()), user.password()))
                    .as("%s's documented password matches its hash", user.username()).isTrue();
            if (user.roles().contains("user") || user.roles().contains("admin")) canPush.add(user.username());
        }
        assertThat(canPush).as("accounts that may push").isNotEmpty();
    }

    @ParameterizedTest(name = "{0}/{1}: {2} = {3}")
    @CsvSource(delimiter = '|', textBlock = """
            pharmacy     | dispenses       | doseMg          | 0                           | doseMg
            pharmacy     | dispenses       | quantity        | 0                           | quantity
            pharmacy     | dispenses       | dispensedAt     | "yesterday"                 | dispensedAt
            pharmacy     | patients        | dateOfBirth     | "12.03.1984"                | dateOfBirth
            vet-clinic   | pets            | microchip       | "12345"                     | microchip
            vet-clinic   | pets            | weightKg        | -3                          | weightKg
            vet-clinic   | appointments    | date            | "2026-11-30 10:00"          | date
            rural-health | encounters      | vitals          | {"spo2Pct": 150}            | vitals.spo2Pct
            rural-health | encounters      | vitals          | {"bloodPressure": "120/80"} | vitals
            rural-health | encounters      | referral        | {"urgent": true}            | referral.facility
            rural-health | patients        | sex             | "f"                         | sex
            shop         | products        | priceCents      | 3.49                        | priceCents
            shop         | products        | currency        | "usd"                       | currency
            shop         | sale_items      | quantity        | 0                           | quantity
            shop         | stock_movements | quantity        | 0                           | quantity
            """)
    void domainRulesRefuseNonsense(String name, String collection, String field, String json, String errorField)
            throws IOException {
        Example example = load(name);
        ObjectNode data = example.sample(collection).deepCopy();
        data.set(field, JSON.readTree(json));
        assertThat(errorFields(example.rules().get(collection), data)).contains(errorField);
    }

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({"pharmacy, dispenses", "pharmacy, patients", "rural-health, encounters", "vet-clinic, appointments"})
    void changesThatMustNotBeLostAreParkedOnOverlap(String name, String collection) {
        CollectionRules rules = load(name).rules().get(collection);
        boolean parked = rules.strategy() == ConflictStrategy.MANUAL
                || rules.strategy() == ConflictStrategy.MERGE && rules.onOverlap() == ConflictStrategy.MANUAL;
        assertThat(parked).as("%s: %s, on overlap %s", collection, rules.strategy(), rules.onOverlap()).isTrue();
    }

    @Test
    void theVetClinicDerivesTheClientFromThePetAndShowsItToThem() {
        Example vet = load("vet-clinic");
        CollectionRules appointments = vet.rules().get("appointments");
        assertThat(appointments.idMode()).isEqualTo(CollectionRules.IdMode.SERVER);
        assertThat(appointments.references()).containsEntry("petId", "pets");
        assertThat(appointments.derive()).containsEntry("clientId",
                new CollectionRules.Derivation("petId", "ownerId"));
        assertThat(appointments.ownerField()).isEqualTo("clientId");
        CollectionRules pets = vet.rules().get("pets");
        assertThat(pets.visibility()).isEqualTo(CollectionRules.Visibility.OWNER);
        assertThat(pets.ownerField()).isEqualTo("ownerId");
        // the owner the sample pet names is a demo account, so the README's walkthrough can log in as them
        assertThat(vet.sync().users()).extracting(SyncProperties.UserAccount::username)
                .contains(vet.sample("pets").path("ownerId").asText());
    }

    @Test
    void theShopsServerIdCollectionsReferenceWhatTheyNeed() {
        Map<String, CollectionRules> shop = load("shop").rules();
        assertThat(shop.entrySet().stream().filter(e -> e.getValue().idMode() == CollectionRules.IdMode.SERVER)
                .map(Map.Entry::getKey).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("sales", "sale_items", "stock_movements");
        assertThat(shop.get("sale_items").references())
                .containsEntry("saleId", "sales").containsEntry("productId", "products");
        assertThat(shop.get("stock_movements").references()).containsEntry("productId", "products");
        assertThat(shop.get("stock_movements").strategy()).isIn(ConflictStrategy.REJECT, ConflictStrategy.CLIENT_WINS);
    }
}
