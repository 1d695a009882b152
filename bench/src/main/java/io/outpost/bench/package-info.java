/**
 * Reproducible benchmarks of the Outpost server: push throughput ({@link io.outpost.bench.PushBenchmark}) and pull
 * cost, projection lag and snapshot speed ({@link io.outpost.bench.PullBenchmark}). Run with
 * {@code ./mvnw -q -Pbench -pl bench -am verify -DskipTests [-Dbench.which=push|pull]} (see bench/pom.xml).
 */
package io.outpost.bench;
