package io.outpost.command.record;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * Which record version last changed each top-level field: two parallel arrays sorted by name instead of a map, so a
 * cached record pays two objects for them, not an entry, a node and a boxed long per field. Records have tens of
 * fields, not thousands: a binary search and an occasional array copy are cheaper than the map's garbage.
 * Serialised as its two arrays (the record's snapshots).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
final class FieldVersions {

    private static final String[] NO_NAMES = new String[0];
    private static final long[] NO_VERSIONS = new long[0];

    private String[] names = NO_NAMES;
    private long[] versions = NO_VERSIONS;

    /** Forgets every field and gives each of {@code fields} the {@code version} (a create). */
    void reset(Iterator<String> fields, long version) {
        names = NO_NAMES;
        versions = NO_VERSIONS;
        List<String> all = new ArrayList<>();
        fields.forEachRemaining(all::add);
        set(all, version);
    }

    /** Gives each of {@code fields} the {@code version} (an update that changed them). */
    void set(Collection<String> fields, long version) {
        for (String field : fields) {
            int at = Arrays.binarySearch(names, field);
            if (at >= 0) {
                versions[at] = version;
                continue;
            }
            int insert = -at - 1;
            String[] n = new String[names.length + 1];
            long[] v = new long[names.length + 1];
            System.arraycopy(names, 0, n, 0, insert);
            System.arraycopy(versions, 0, v, 0, insert);
            n[insert] = field;
            v[insert] = version;
            System.arraycopy(names, insert, n, insert + 1, names.length - insert);
            System.arraycopy(versions, insert, v, insert + 1, names.length - insert);
            names = n;
            versions = v;
        }
    }

    /** The version that last changed {@code field}, 0 if none did. */
    long of(String field) {
        int at = Arrays.binarySearch(names, field);
        return at >= 0 ? versions[at] : 0;
    }

    /** The fields changed after {@code version}, by name. */
    List<String> changedAfter(long version) {
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (versions[i] > version) changed.add(names[i]);
        }
        return changed;
    }

    int size() {
        return names.length;
    }

    /** The two arrays; the names themselves are shared with the parsed documents (Jackson interns field names). */
    long approximateBytes() {
        return 2 * 32 + 8L * names.length + 8L * versions.length;
    }
}
