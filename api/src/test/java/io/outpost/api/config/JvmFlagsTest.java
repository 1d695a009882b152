package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The server's JVM flags are written in three places; they must say the same thing (docs/deployment.md). */
class JvmFlagsTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void dockerfileStartScriptAndMavenRunUseTheSameFlags() throws IOException {
        List<String> docker = dockerfileFlags();
        List<String> script = scriptFlags();
        List<String> maven = mavenFlags();

        assertThat(docker).contains("-XX:+UseParallelGC").anyMatch(f -> f.startsWith("-Xmx"));
        assertThat(script).isEqualTo(docker);
        assertThat(maven).isEqualTo(docker);
    }

    private static List<String> dockerfileFlags() throws IOException {
        String entrypoint = Files.readAllLines(ROOT.resolve("Dockerfile")).stream()
                .filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(entrypoint);
        List<String> words = new java.util.ArrayList<>();
        while (m.find()) words.add(m.group(1));
        return words.subList(words.indexOf("java") + 1, words.indexOf("-jar"));
    }

    private static List<String> scriptFlags() throws IOException {
        String exec = Files.readAllLines(ROOT.resolve("bin/outpost-server")).stream()
                .filter(l -> l.startsWith("exec java ")).findFirst().orElseThrow();
        List<String> words = Arrays.asList(exec.substring("exec java ".length()).split("\\s+"));
        return words.subList(0, words.indexOf("${JAVA_OPTS}"));
    }

    private static List<String> mavenFlags() throws IOException {
        Matcher m = Pattern.compile("<jvmArguments>([^<]*)</jvmArguments>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).as("api/pom.xml names the Maven run's jvmArguments").isTrue();
        return Arrays.asList(m.group(1).trim().split("\\s+"));
    }
}
