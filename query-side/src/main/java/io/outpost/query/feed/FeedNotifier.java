package io.outpost.query.feed;

import java.util.LinkedHashSet;
import java.util.Set;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Sends {@code NOTIFY outpost_changes, '<tenant>'} once per tenant whose records a projection batch changed.
 * PostgreSQL delivers notifications only when the transaction commits, so listeners on every node hear of a change
 * exactly when a pull can see it.
 */
@Component
public class FeedNotifier {

    public static final String CHANNEL = "outpost_changes";
    private static final String RESOURCE = FeedNotifier.class.getName() + ".tenants";

    private final JdbcTemplate jdbc;

    public FeedNotifier(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void changed(String tenant) {
        if (!CurrentUnitOfWork.isStarted()) return;
        UnitOfWork<?> uow = CurrentUnitOfWork.get().root();
        Set<String> tenants = uow.getOrComputeResource(RESOURCE, key -> {
            Set<String> set = new LinkedHashSet<>();
            uow.onPrepareCommit(u -> set.forEach(t -> jdbc.queryForObject("SELECT pg_notify(?, ?)", Object.class,
                    CHANNEL, t)));
            return set;
        });
        tenants.add(tenant);
    }
}
