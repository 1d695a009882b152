/**
 * The record aggregate, one per {@code (tenant, collection, id)}: it decides every operation with its collection's
 * conflict policy and records the outcome as an event. Internal to the command side.
 */
package io.outpost.command.record;
