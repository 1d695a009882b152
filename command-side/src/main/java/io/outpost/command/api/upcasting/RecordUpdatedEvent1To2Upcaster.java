package io.outpost.command.api.upcasting;

import io.outpost.command.api.RecordUpdatedEvent;

/**
 * {@link RecordUpdatedEvent} revision 1 (stored before collections had schema versions) to 2: its state is of schema
 * version 1, the only one there was.
 */
public final class RecordUpdatedEvent1To2Upcaster extends AddFieldUpcaster {

    public RecordUpdatedEvent1To2Upcaster() {
        super(RecordUpdatedEvent.class, "1", "2", payload -> payload.put("schemaVersion", 1));
    }
}
