package io.outpost.api.config;

import io.outpost.command.api.SyncMetaData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.statements.AppendEventsStatementBuilder;
import org.axonframework.eventsourcing.eventstore.jdbc.statements.TimestampWriter;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;

/**
 * The event store's append statement, with one column more than Axon's: {@code tenant}, from the event's metadata
 * ({@link SyncMetaData#TENANT}; every event a push or a conflict resolution stores carries it). The audit export pages
 * through a tenant's events on the index {@code (tenant, global_index)} of the event table itself, written in the
 * same statement as the event (before: a row per event in a table of its own, written by the change feed's tracking
 * processor). An event that is not a domain event (a rejection that names no record) is stored as Axon stores it: as
 * the only event of an aggregate named by its own identifier.
 */
final class TenantTaggingAppend implements AppendEventsStatementBuilder {

    @Override
    public PreparedStatement build(Connection connection, EventSchema schema, Class<?> dataType,
                                   List<? extends EventMessage<?>> events, Serializer serializer,
                                   TimestampWriter timestampWriter) throws SQLException {
        PreparedStatement statement = connection.prepareStatement("INSERT INTO " + schema.domainEventTable() + " ("
                + String.join(", ", schema.eventIdentifierColumn(), schema.aggregateIdentifierColumn(),
                schema.sequenceNumberColumn(), schema.typeColumn(), schema.timestampColumn(),
                schema.payloadTypeColumn(), schema.payloadRevisionColumn(), schema.payloadColumn(),
                schema.metaDataColumn()) + ", tenant) VALUES (?,?,?,?,?,?,?,?,?,?)");
        for (EventMessage<?> message : events) {
            DomainEventMessage<?> event = message instanceof DomainEventMessage<?> domain ? domain
                    : new GenericDomainEventMessage<>(null, message.getIdentifier(), 0L, message,
                    message::getTimestamp);
            SerializedObject<?> payload = event.serializePayload(serializer, dataType);
            SerializedObject<?> metaData = event.serializeMetaData(serializer, dataType);
            Object tenant = event.getMetaData().get(SyncMetaData.TENANT);
            statement.setString(1, event.getIdentifier());
            statement.setString(2, event.getAggregateIdentifier());
            statement.setLong(3, event.getSequenceNumber());
            statement.setString(4, event.getType());
            timestampWriter.writeTimestamp(statement, 5, event.getTimestamp());
            statement.setString(6, payload.getType().getName());
            statement.setString(7, payload.getType().getRevision());
            statement.setObject(8, payload.getData());
            statement.setObject(9, metaData.getData());
            statement.setString(10, tenant == null ? null : tenant.toString());
            statement.addBatch();
        }
        return statement;
    }
}
