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
 * The server's JVM flags are written in three places; they must say the same thing (docs/deployment.md). The image
 * adds the AOT cache its build wrote with those flags; the start script makes one on JDK 25 and later, and a JDK 17
 * class-data archive only when asked to.
 */
class JvmFlagsTest {

    private static final Path ROOT = Path.of("..");
    private static final String ARCHIVE = "-XX:SharedArchiveFile=";
    private static final String AOT_CACHE = "-XX:AOTCache=";

    @Test
    void dockerfileStartScriptAndMavenRunUseTheSameFlags() throws IOException {
        List<String> docker = dockerfileFlags().stream().filter(f -> !f.startsWith(AOT_CACHE)).toList();
        List<String> script = scriptFlags();
        List<String> maven = mavenFlags();

        assertThat(docker).contains("-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError")
                .anyMatch(f -> f.startsWith("-Xmx")).anyMatch(f -> f.startsWith("-Xss"));
        assertThat(docker).isEqualTo(script);
        assertThat(maven).isEqualTo(script);
    }

    @Test
    void theImageRunsOnAJdkWithAnAotCacheTrainedWithItsOwnFlags() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        String runtime = lines.stream().filter(l -> l.startsWith("FROM ")).reduce((a, b) -> b).orElseThrow();
        Matcher jdk = Pattern.compile("eclipse-temurin:(\\d+)-jre").matcher(runtime);
        assertThat(jdk.find()).as("the runtime stage is a Temurin JRE: %s", runtime).isTrue();
        assertThat(Integer.parseInt(jdk.group(1))).as("the AOT cache needs JDK 25 or later").isGreaterThanOrEqualTo(25);

        List<String> entry = dockerfileFlags();
        String cache = entry.stream().filter(f -> f.startsWith(AOT_CACHE)).findFirst().orElseThrow()
                .substring(AOT_CACHE.length());
        assertThat(entry).noneMatch(f -> f.startsWith(ARCHIVE));
        // the training start writes that cache with the very flags the ENTRYPOINT runs with (else the JVM ignores it)
        String training = String.join(" ", lines).replace("\\ ", " ").replaceAll("\\s+", " ");
        String flags = String.join(" ", entry.stream().filter(f -> !f.startsWith(AOT_CACHE)).toList());
        assertThat(training).contains("java " + flags + " -XX:AOTCacheOutput=" + cache
                + " -Dspring.context.exit=onRefresh");
    }

    @Test
    void theScriptMakesTheAotCacheOnJdk25AndTheJdk17ArchiveOnlyWhenAsked() throws IOException {
        // on JDK 17 a JVM started from a dynamic archive crashed once JFR recorded (docs/deployment.md, "Start-up")
        String script = Files.readString(ROOT.resolve("bin/outpost-server"));
        assertThat(script).contains("-ge 25").contains("${OUTPOST_AOT:-on}").contains("-XX:AOTCacheOutput=")
                .contains(AOT_CACHE).contains("${OUTPOST_CDS:-off}").contains("-XX:ArchiveClassesAtExit=")
                .contains(ARCHIVE).contains("spring.context.exit=onRefresh");
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
