# Builds and runs the Outpost server. docker-compose.yml pairs it with PostgreSQL 16.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q --no-transfer-progress -DskipTests -pl api -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --create-home outpost
WORKDIR /home/outpost
COPY --from=build /src/api/target/outpost-server-exec.jar /tmp/outpost-server.jar
# Class-data sharing (docs/deployment.md, "Start-up"): the jar extracted, and an archive of the classes a start loads,
# written by a training start that stops when the application context is ready (on the embedded database, as the
# unprivileged user PostgreSQL requires). Every start of the image maps the archive instead of loading those classes.
RUN java -Djarmode=tools -jar /tmp/outpost-server.jar extract --destination /app \
    && rm /tmp/outpost-server.jar && chown -R outpost /app
USER outpost
# glibc's per-thread malloc arenas fragment a JVM's native memory; two are enough (bin/outpost-server sets the same)
ENV MALLOC_ARENA_MAX=2
RUN OUTPOST_DATA_DIR=/tmp/outpost-training java -Xmx320m -Xss512k -XX:MaxMetaspaceSize=160m \
        -XX:ReservedCodeCacheSize=64m -XX:MaxDirectMemorySize=64m -XX:+UseSerialGC \
        -XX:ArchiveClassesAtExit=/app/outpost-server.jsa -Dspring.context.exit=onRefresh -jar /app/outpost-server.jar \
    && rm -rf /tmp/outpost-training
EXPOSE 8080
# The server's memory settings (the same in bin/outpost-server and the Maven run; JvmFlagsTest keeps them equal):
# a bounded heap, metaspace, code cache and thread stacks, SerialGC (least memory and GC CPU on a small heap and few
# cores). Sizing: docs/deployment.md.
ENTRYPOINT ["java", "-Xmx320m", "-Xss512k", "-XX:MaxMetaspaceSize=160m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:SharedArchiveFile=/app/outpost-server.jsa", "-jar", "/app/outpost-server.jar"]
