package io.outpost.command.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldVersionsTest {

    @Test
    void remembersTheVersionThatLastChangedEachField() {
        FieldVersions versions = new FieldVersions();
        versions.reset(List.of("dose", "patient", "medication").iterator(), 1);
        versions.set(List.of("dose"), 2);
        versions.set(List.of("notes", "dose"), 3);

        assertThat(versions.of("dose")).isEqualTo(3);
        assertThat(versions.of("patient")).isEqualTo(1);
        assertThat(versions.of("notes")).isEqualTo(3);
        assertThat(versions.of("never")).isZero();
        assertThat(versions.size()).isEqualTo(4);
        assertThat(versions.changedAfter(1)).containsExactly("dose", "notes");
        assertThat(versions.changedAfter(0)).containsExactly("dose", "medication", "notes", "patient");
    }

    @Test
    void aCreateForgetsTheFieldsOfTheRecordsEarlierLife() {
        FieldVersions versions = new FieldVersions();
        versions.reset(List.of("a", "b").iterator(), 1);
        versions.set(List.of("b"), 4);
        versions.reset(List.of("c").iterator(), 5);

        assertThat(versions.size()).isEqualTo(1);
        assertThat(versions.of("b")).isZero();
        assertThat(versions.changedAfter(0)).containsExactly("c");
    }

    @Test
    void survivesASnapshotRoundTrip() throws Exception {
        ObjectMapper json = new ObjectMapper();
        FieldVersions versions = new FieldVersions();
        versions.reset(List.of("z", "a", "m").iterator(), 2);
        versions.set(List.of("m"), 7);

        FieldVersions read = json.readValue(json.writeValueAsBytes(versions), FieldVersions.class);

        assertThat(read.of("m")).isEqualTo(7);
        assertThat(read.of("a")).isEqualTo(2);
        assertThat(read.changedAfter(2)).containsExactly("m");
    }
}
