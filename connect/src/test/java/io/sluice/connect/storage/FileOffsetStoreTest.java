package io.sluice.connect.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileOffsetStoreTest {

    @Test
    void offsetsSurviveReopeningWithTheirTypes(@TempDir Path dir) {
        Path file = dir.resolve("connect.offsets");
        SourceOffsets offsets = new SourceOffsets("files", new FileOffsetStore(file));
        offsets.write(Map.of(Map.of("filename", "/tmp/a.txt"), Map.of("position", 42L)));
        offsets.write(Map.of(Map.of("filename", "/tmp/b.txt"), Map.of("position", 7L)));

        SourceOffsets reopened = new SourceOffsets("files", new FileOffsetStore(file));
        Map<String, Object> a = reopened.offset(Map.of("filename", "/tmp/a.txt"));
        // Connectors check the type (FileStreamSourceTask wants a Long), as Kafka's JSON-based store gives them.
        assertThat(a).containsEntry("position", 42L);
        assertThat(a.get("position")).isInstanceOf(Long.class);
        assertThat(reopened.offset(Map.of("filename", "/tmp/b.txt"))).containsEntry("position", 7L);
        assertThat(reopened.offset(Map.of("filename", "/tmp/c.txt"))).isNull();
        // Another connector's partitions with the same keys are separate.
        assertThat(new SourceOffsets("other", new FileOffsetStore(file)).offset(Map.of("filename", "/tmp/a.txt"))).isNull();
    }

    @Test
    void aCorruptFileIsReportedNotIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("connect.offsets");
        Files.writeString(file, "not a serialized map");
        assertThatThrownBy(() -> new FileOffsetStore(file)).hasMessageContaining("Cannot read offsets file");
    }
}
