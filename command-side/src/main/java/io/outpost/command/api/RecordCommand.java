package io.outpost.command.api;

/**
 * A command on one record aggregate: {@link #key()} names it. The record aggregate's command target resolver reads
 * the key through this interface, so no command's annotations are scanned per dispatch.
 */
public interface RecordCommand {

    RecordKey key();
}
