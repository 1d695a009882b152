package io.outpost.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Each setting is checked when set, and the error names it (STYLE.md, like OkHttp's checkDuration). */
class SyncClientBuilderTest {

    @Test
    void anIntervalOutsideTheBoundsIsRefusedNamingThem() {
        assertThatThrownBy(() -> SyncClient.builder().autoSync(true, Duration.ofSeconds(29)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("autoSync interval")
                .hasMessageContaining("between 30 and 3600");
        assertThatThrownBy(() -> SyncClient.builder().autoSync(true, Duration.ofMillis(30_500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole seconds");
        SyncClient.builder().autoSync(true, Duration.ofSeconds(30)).autoSync(false, Duration.ofSeconds(3600));
    }

    @Test
    void otherSettingsNameThemselvesWhenWrong() {
        assertThatThrownBy(() -> SyncClient.builder().pushBatchSize(1001)).hasMessageContaining("pushBatchSize");
        assertThatThrownBy(() -> SyncClient.builder().pullPageSize(0)).hasMessageContaining("pullPageSize");
        assertThatThrownBy(() -> SyncClient.builder().syncAfterWrite(Duration.ofHours(1)))
                .hasMessageContaining("syncAfterWrite");
        assertThatThrownBy(() -> SyncClient.builder().backoff(Duration.ofSeconds(10), Duration.ofSeconds(1)))
                .hasMessageContaining("backoff cap");
        assertThatThrownBy(() -> SyncClient.builder().baseUri(URI.create("ftp://x"))).hasMessageContaining("baseUri");
        assertThatThrownBy(() -> SyncClient.builder().collection("Bad-Name")).hasMessageContaining("collection");
        assertThatThrownBy(() -> CollectionOptions.defaults().reference("petId", "Pets"))
                .hasMessageContaining("references");
    }

    @Test
    void requiredSettingsAreNamedAtBuild(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThatThrownBy(() -> SyncClient.builder().build()).hasMessageContaining("baseUri");
        assertThatThrownBy(() -> SyncClient.builder().baseUri(URI.create("http://localhost:1/api/v1")).build())
                .hasMessageContaining("tokenProvider or credentials");
        assertThatThrownBy(() -> SyncClient.builder().baseUri(URI.create("http://localhost:1/api/v1"))
                .tokenProvider(TokenProvider.of("t")).storeDirectory(dir).build())
                .hasMessageContaining("collection");
        assertThatThrownBy(() -> SyncClient.builder().baseUri(URI.create("http://localhost:1/api/v1"))
                .tokenProvider(TokenProvider.of("t")).storeDirectory(dir).collection("notes")
                .schemaVersion("patients", 2).build())
                .hasMessageContaining("schemaVersion names patients").hasMessageContaining("[notes]");
    }

    @Test
    void aSchemaVersionIsAtLeastOne() {
        assertThatThrownBy(() -> SyncClient.builder().schemaVersion("patients", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schemaVersion of patients");
        SyncClient.builder().schemaVersion("patients", 1);
    }

    @Test
    void storeFilesArePerUserAndSafeAsFileNames() {
        assertThat(SyncClient.storeFileName("alice")).isNotEqualTo(SyncClient.storeFileName("Alice"))
                .startsWith("outpost-alice-").endsWith(".db");
        assertThat(SyncClient.storeFileName("../../etc/passwd")).doesNotContain("/").startsWith("outpost-");
    }
}
