package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The record after a resolution: its version and data (null when it is deleted). */
public record ConflictResolution(long version, ObjectNode data) {
}
