/** Reproducible benchmarks of the Outpost server, run with {@code ./mvnw -q -Pbench -pl bench -am verify -DskipTests}. */
package io.outpost.bench;
