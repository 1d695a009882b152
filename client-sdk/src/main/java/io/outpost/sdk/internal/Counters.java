package io.outpost.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Counter arithmetic for {@code increment} ops, the server's way: exact (integers stay integers, decimals without
 * binary rounding), a missing or null field counts as 0.
 */
final class Counters {

    private Counters() {
    }

    /**
     * {@code data} with each delta added to its field. {@code strict}: a field holding a non-number is an error;
     * otherwise it is left as it is (replaying a queued increment on server data that changed the field's type).
     */
    static ObjectNode addAll(ObjectNode data, ObjectNode deltas, boolean strict) {
        ObjectNode sum = data.deepCopy();
        deltas.fields().forEachRemaining(f -> {
            JsonNode now = sum.get(f.getKey());
            if (now != null && !now.isNull() && !now.isNumber()) {
                if (strict) {
                    throw new IllegalStateException("field " + f.getKey() + " holds "
                            + now.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ", not a number");
                }
                return;
            }
            sum.set(f.getKey(), add(now, f.getValue()));
        });
        return sum;
    }

    static JsonNode add(JsonNode current, JsonNode delta) {
        boolean zero = current == null || current.isNull();
        if ((zero || current.isIntegralNumber()) && delta.isIntegralNumber()) {
            BigInteger sum = (zero ? BigInteger.ZERO : current.bigIntegerValue()).add(delta.bigIntegerValue());
            return sum.bitLength() < 64 ? JsonNodeFactory.instance.numberNode(sum.longValue())
                    : JsonNodeFactory.instance.numberNode(sum);
        }
        return JsonNodeFactory.instance.numberNode((zero ? BigDecimal.ZERO : decimal(current)).add(decimal(delta)));
    }

    private static BigDecimal decimal(JsonNode n) {
        return n.isDouble() || n.isFloat() ? new BigDecimal(Double.toString(n.doubleValue())) : n.decimalValue();
    }
}
