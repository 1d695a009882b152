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
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/outpost-server.jar"]
