package io.outpost.query.pull;

/**
 * A place in a tenant's change feed: the transaction that wrote a row ({@code change_tx}, PostgreSQL's 64-bit
 * transaction id) and the row's position within it ({@code change_seq}). The feed is read in this order, and only
 * below the reading snapshot's horizon ({@link #below}): every transaction under it has ended, every one still to
 * commit has an id at or above it, so no row can appear later behind a position a pull has passed (V19).
 */
public record FeedPosition(long tx, long seq) implements Comparable<FeedPosition> {

    /** Before everything. */
    public static final FeedPosition START = new FeedPosition(0, 0);

    /** Everything written by the transactions below {@code horizon} (an xmin), and nothing at or above it. */
    public static FeedPosition below(long horizon) {
        return new FeedPosition(horizon, 0);
    }

    @Override
    public int compareTo(FeedPosition o) {
        int byTx = Long.compare(tx, o.tx);
        return byTx != 0 ? byTx : Long.compare(seq, o.seq);
    }

    public boolean isAfter(FeedPosition o) {
        return compareTo(o) > 0;
    }

    public static FeedPosition max(FeedPosition a, FeedPosition b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
