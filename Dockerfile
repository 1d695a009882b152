# Builds and runs the Outpost server. docker-compose.yml pairs it with PostgreSQL 16.
# Built with JDK 17 (the project's baseline: bytecode for 17, tests on 17); run on JDK 25 for its AOT cache.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q --no-transfer-progress -DskipTests -pl api -am package

FROM eclipse-temurin:25-jre
RUN useradd --system --create-home outpost
WORKDIR /home/outpost
COPY --from=build /src/api/target/outpost-server-exec.jar /tmp/outpost-server.jar
# The jar extracted (its libraries as plain jars on the class path), which a class cache needs.
RUN java -Djarmode=tools -jar /tmp/outpost-server.jar extract --destination /app \
    && rm /tmp/outpost-server.jar && chown -R outpost /app
USER outpost
# glibc's per-thread malloc arenas fragment a JVM's native memory; two are enough (bin/outpost-server sets the same)
ENV MALLOC_ARENA_MAX=2
# JDK 25's AOT cache (JEP 483/515; docs/deployment.md, "Start-up"): a training start, on a throw-away embedded database
# as the unprivileged user PostgreSQL requires, stops as soon as the application context is ready and writes the
# classes it loaded and linked, with their method profiles; every start of the image maps them (about half the time
# to healthy). The flags must be the ENTRYPOINT's, or the JVM ignores the cache.
RUN OUTPOST_DATA_DIR=/tmp/outpost-training java -Xmx256m -Xss512k -XX:MaxMetaspaceSize=160m \
        -XX:ReservedCodeCacheSize=64m -XX:MaxDirectMemorySize=64m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
        -XX:AOTCacheOutput=/app/outpost-server.aot -Dspring.context.exit=onRefresh -jar /app/outpost-server.jar \
    && rm -rf /tmp/outpost-training
EXPOSE 8080
# The server's memory settings (the same in bin/outpost-server and the Maven run; JvmFlagsTest keeps them equal):
# a bounded heap, metaspace, code cache and thread stacks, SerialGC (least memory and GC CPU on a small heap and few
# cores). Sizing: docs/deployment.md.
ENTRYPOINT ["java", "-Xmx256m", "-Xss512k", "-XX:MaxMetaspaceSize=160m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:AOTCache=/app/outpost-server.aot", "-jar", "/app/outpost-server.jar"]
