package io.outpost.command.api;

/**
 * Runs an operation's record command on its aggregate inside the caller's unit of work, which must be active (a
 * push's: all its ops, one transaction, one append). The handlers are the aggregate's own {@code @CommandHandler}
 * methods and their creation policies are kept: a create of an unused id ({@link CreateNewRecordCommand}) makes a new
 * aggregate ({@code ALWAYS}), a create ({@link CreateRecordCommand}) loads the record or makes it
 * ({@code CREATE_IF_MISSING}), an update or delete loads it.
 *
 * <p>What this skips, per op, compared with dispatching a command message: the command bus and its interceptors, a
 * nested unit of work, the annotated handler's resolution and reflective invocation, and the result message. The
 * events carry the op's metadata from the aggregate itself (the record aggregate stamps them), not from correlation.
 */
public interface RecordOperations {

    /** The operation's outcome; the events it leaves are part of the current unit of work. */
    OperationOutcome execute(RecordCommand command);
}
