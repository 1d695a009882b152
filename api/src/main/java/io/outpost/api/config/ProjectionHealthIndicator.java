package io.outpost.api.config;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code projection} in {@code /actuator/health}: the change feed's lag on this node (events and seconds behind, or
 * -1 when the feed runs on another node). Always UP: a feed that is behind still answers pulls correctly, only late,
 * so it must not take the node out of a load balancer; a lag over {@link #DEGRADED_EVENTS} events adds
 * {@code state: behind} for dashboards and alerts.
 */
@Component("projection")
class ProjectionHealthIndicator implements HealthIndicator {

    static final long DEGRADED_EVENTS = 10_000;

    private final ProjectionLagMetrics lag;

    ProjectionHealthIndicator(ProjectionLagMetrics lag) {
        this.lag = lag;
    }

    @Override
    public Health health() {
        ProjectionLagMetrics.Lag now = lag.lag();
        Health.Builder health = Health.up()
                .withDetail("processor", "sync-feed")
                .withDetail("runsOnThisNode", now.runsOnThisNode())
                .withDetail("eventsBehind", now.events())
                .withDetail("secondsBehind", now.seconds());
        if (now.events() > DEGRADED_EVENTS) health.withDetail("state", "behind");
        return health.build();
    }
}
