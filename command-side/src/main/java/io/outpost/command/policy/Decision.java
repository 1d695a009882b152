package io.outpost.command.policy;

import java.util.List;

/** What to do with a conflicting operation. */
public sealed interface Decision {

    /** Apply the client's change over the server's state; the client's fields win. */
    record Overwrite() implements Decision {
    }

    /** Apply the client's change on top: nothing it touches changed on the server. */
    record Merge() implements Decision {
    }

    /** Refuse: nothing changes and the client gets the server's state. */
    record Reject(List<String> fields) implements Decision {
    }

    /** Park the operation as an open conflict for a person to resolve. */
    record Park(List<String> fields) implements Decision {
    }
}
