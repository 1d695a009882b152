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
EXPOSE 8080
# The server's memory settings (the same in bin/outpost-server and the Maven run; JvmFlagsTest keeps them equal):
# a bounded heap and metaspace, ParallelGC (least GC CPU on few cores). Sizing: docs/deployment.md.
ENTRYPOINT ["java", "-Xmx1g", "-XX:MaxMetaspaceSize=192m", "-XX:ReservedCodeCacheSize=96m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseParallelGC", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/outpost-server.jar"]
