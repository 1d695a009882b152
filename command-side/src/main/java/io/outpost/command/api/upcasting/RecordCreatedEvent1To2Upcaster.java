package io.outpost.command.api.upcasting;

import io.outpost.command.api.RecordCreatedEvent;

/**
 * {@link RecordCreatedEvent} revision 1 (stored before collections had schema versions) to 2: its data is of schema
 * version 1, the only one there was.
 */
public final class RecordCreatedEvent1To2Upcaster extends AddFieldUpcaster {

    public RecordCreatedEvent1To2Upcaster() {
        super(RecordCreatedEvent.class, "1", "2", payload -> payload.put("schemaVersion", 1));
    }
}
