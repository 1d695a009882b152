package io.outpost.command.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class CountersTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void integersStayIntegersAndAMissingValueCountsAsZero() {
        JsonNode sum = Counters.add(F.numberNode(5), F.numberNode(-7));
        assertThat(sum.isIntegralNumber()).isTrue();
        assertThat(sum.asLong()).isEqualTo(-2);
        assertThat(Counters.add(null, F.numberNode(3)).asLong()).isEqualTo(3);
        assertThat(Counters.add(F.nullNode(), F.numberNode(3)).asLong()).isEqualTo(3);
    }

    @Test
    void decimalsAreExactAndLargeIntegersDoNotOverflow() {
        assertThat(Counters.add(F.numberNode(0.1), F.numberNode(0.2)).decimalValue()).isEqualByComparingTo("0.3");
        JsonNode big = Counters.add(F.numberNode(Long.MAX_VALUE), F.numberNode(1));
        assertThat(big.bigIntegerValue()).isEqualTo(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE));
        assertThat(Counters.add(F.numberNode(2), F.numberNode(0.5)).decimalValue()).isEqualByComparingTo("2.5");
    }
}
