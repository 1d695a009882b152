# Builds and runs the Outpost server. docker-compose.yml pairs it with PostgreSQL 16.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q --no-transfer-progress -DskipTests -pl api -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --create-home outpost
WORKDIR /home/outpost
COPY --from=build /src/api/target/outpost-server-exec.jar /app/outpost-server.jar
USER outpost
# glibc's per-thread malloc arenas fragment a JVM's native memory; two are enough (bin/outpost-server sets the same)
ENV MALLOC_ARENA_MAX=2
EXPOSE 8080
# The server's memory settings (the same in bin/outpost-server and the Maven run; JvmFlagsTest keeps them equal):
# a bounded heap, metaspace, code cache and thread stacks, SerialGC (least memory and GC CPU on a small heap and few
# cores). Sizing: docs/deployment.md. No class-data archive here: on JDK 17 it crashes the JVM once JFR or an agent
# is active (docs/deployment.md, "Start-up").
ENTRYPOINT ["java", "-Xmx256m", "-Xss512k", "-XX:MaxMetaspaceSize=160m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/outpost-server.jar"]
