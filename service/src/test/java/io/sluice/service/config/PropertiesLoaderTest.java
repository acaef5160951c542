package io.sluice.service.config;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PropertiesLoaderTest {
    private static final String HOME = System.getenv("HOME");

    @Test
    void overridesWinOverTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("svc.properties");
        Files.writeString(file, "a=1\nb = 2 \n");
        assertThat(PropertiesLoader.load(file, List.of("b=3", "c = x=y")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "3", "c", "x=y"));
    }

    @Test
    void noFileMeansOnlyTheOverrides() {
        assertThat(PropertiesLoader.load(null, List.of("k=v"))).containsExactly(Map.entry("k", "v"));
    }

    @Test
    void envAndFileProvidersAreOnByDefault(@TempDir Path dir) throws Exception {
        Path secrets = dir.resolve("secrets.properties");
        Files.writeString(secrets, "password=s3cret\n");
        Path file = dir.resolve("svc.properties");
        Files.writeString(file, "home=${env:HOME}\nsasl.password=${file:" + secrets + ":password}\nplain=x\n");
        assertThat(PropertiesLoader.load(file, List.of("dir=${env:HOME}/data")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("home", HOME, "sasl.password", "s3cret", "plain", "x",
                        "dir", HOME + "/data"));
    }

    @Test
    void declaredProvidersAreExactlyTheOnesUsedAndTheirKeysAreConsumed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("svc.properties");
        Files.writeString(file, "config.providers=myenv\n"
                + "config.providers.myenv.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
                + "home=${myenv:HOME}\nother=${env:HOME}\n");
        // "env" is no longer a provider once the list is declared: its reference stays as written.
        assertThat(PropertiesLoader.load(file, List.of()))
                .containsExactlyInAnyOrderEntriesOf(Map.of("home", HOME, "other", "${env:HOME}"));
        assertThat(PropertiesLoader.load(null, List.of("config.providers=", "x=${env:HOME}")))
                .containsExactly(Map.entry("x", "${env:HOME}"));
    }

    @Test
    void errorsNameTheKeyOrFileOnOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> PropertiesLoader.load(missing, List.of()))
                .isInstanceOf(ConfigException.class).hasMessage("Config file " + missing + " does not exist");
        assertThatThrownBy(() -> PropertiesLoader.load(null, List.of("=v")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'=v'");
        assertThatThrownBy(() -> PropertiesLoader.load(null, List.of("novalue")))
                .hasMessageContaining("expected key=value");
        assertThatThrownBy(() -> PropertiesLoader.load(null, List.of("pw=${env:SLUICE_SURELY_UNSET_VARIABLE}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("${env:SLUICE_SURELY_UNSET_VARIABLE}").hasMessageContaining("'pw'")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> PropertiesLoader.load(null, List.of("pw=${file:" + missing + ":k}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> PropertiesLoader.load(null, List.of("config.providers=vault", "a=b")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("config.providers.vault.class");
        assertThatThrownBy(() -> PropertiesLoader.load(null, List.of("config.providers=x",
                "config.providers.x.class=com.example.Nope")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("config.providers.x.class");
    }
}
