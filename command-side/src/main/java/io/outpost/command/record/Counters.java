package io.outpost.command.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.math.BigInteger;

/** The sum of a counter's current value and an increment's delta, exact: no floating-point rounding. */
final class Counters {

    private Counters() {
    }

    /** {@code current} may be absent or null (it counts as 0); both are numbers otherwise. */
    static JsonNode add(JsonNode current, JsonNode delta) {
        boolean integral = (current == null || current.isNull() || current.isIntegralNumber())
                && delta.isIntegralNumber();
        if (integral) {
            BigInteger sum = (current == null || current.isNull() ? BigInteger.ZERO : current.bigIntegerValue())
                    .add(delta.bigIntegerValue());
            return sum.bitLength() < 64 ? JsonNodeFactory.instance.numberNode(sum.longValue())
                    : JsonNodeFactory.instance.numberNode(sum);
        }
        BigDecimal sum = (current == null || current.isNull() ? BigDecimal.ZERO : decimal(current)).add(decimal(delta));
        return JsonNodeFactory.instance.numberNode(sum);
    }

    /** A double node's decimal as written (0.1 stays 0.1), not its binary expansion. */
    private static BigDecimal decimal(JsonNode n) {
        return n.isDouble() || n.isFloat() ? new BigDecimal(Double.toString(n.doubleValue())) : n.decimalValue();
    }
}
