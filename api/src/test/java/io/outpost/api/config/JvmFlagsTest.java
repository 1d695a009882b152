package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The server's JVM flags are written in three places; they must say the same thing (docs/deployment.md). Only the
 * start script can add a class-data archive, when asked to.
 */
class JvmFlagsTest {

    private static final Path ROOT = Path.of("..");
    private static final String ARCHIVE = "-XX:SharedArchiveFile=";

    @Test
    void dockerfileStartScriptAndMavenRunUseTheSameFlags() throws IOException {
        List<String> docker = dockerfileFlags();
        List<String> script = scriptFlags();
        List<String> maven = mavenFlags();

        assertThat(docker).contains("-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError")
                .anyMatch(f -> f.startsWith("-Xmx")).anyMatch(f -> f.startsWith("-Xss"));
        assertThat(docker).isEqualTo(script);
        assertThat(maven).isEqualTo(script);
    }

    @Test
    void theScriptOffersTheClassDataArchiveOnlyWhenAskedAndTheImageNotAtAll() throws IOException {
        // on JDK 17 a JVM started from a dynamic archive crashed once JFR recorded (docs/deployment.md, "Start-up")
        assertThat(dockerfileFlags()).noneMatch(f -> f.startsWith(ARCHIVE));
        String script = Files.readString(ROOT.resolve("bin/outpost-server"));
        assertThat(script).contains("${OUTPOST_CDS:-off}").contains("-XX:ArchiveClassesAtExit=").contains(ARCHIVE)
                .contains("spring.context.exit=onRefresh");
    }

    private static List<String> dockerfileFlags() throws IOException {
        String entrypoint = Files.readAllLines(ROOT.resolve("Dockerfile")).stream()
                .filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(entrypoint);
        List<String> words = new ArrayList<>();
        while (m.find()) words.add(m.group(1));
        return words.subList(words.indexOf("java") + 1, words.indexOf("-jar"));
    }

    private static List<String> scriptFlags() throws IOException {
        String line = Files.readAllLines(ROOT.resolve("bin/outpost-server")).stream()
                .filter(l -> l.startsWith("FLAGS=\"")).findFirst().orElseThrow();
        return Arrays.asList(line.substring("FLAGS=\"".length(), line.lastIndexOf('"')).trim().split("\\s+"));
    }

    private static List<String> mavenFlags() throws IOException {
        Matcher m = Pattern.compile("<jvmArguments>([^<]*)</jvmArguments>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).as("api/pom.xml names the Maven run's jvmArguments").isTrue();
        return Arrays.asList(m.group(1).trim().split("\\s+"));
    }
}
