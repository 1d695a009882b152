package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Digests stored by earlier servers must still compare equal after an upgrade, so the streamed digest must hash
 * exactly the bytes of the tree-built canonical form the first version stored ({@link #reference}).
 */
class OpDigestTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theStreamedDigestHashesTheSameCanonicalFormAsTheFirstVersion() throws Exception {
        List<PushOperation> ops = List.of(
                op(1, "create", "notes", "n1", null, null, "{\"title\":\"A\",\"body\":\"b\",\"n\":1}"),
                op(2, "update", "notes", "n1", null, 3L, "{\"z\":{\"y\":[3,{\"b\":1,\"a\":2}],\"x\":null},\"a\":\"é ✓\"}"),
                op(3, "delete", "notes", "n1", null, 4L, null),
                op(4, "create", "orders", null, "tmp-1", null, "{}"),
                op(5, "increment", "stock", "s1", null, null, "{\"qty\":-2.5}"));
        for (PushOperation op : ops) {
            assertThat(OpDigest.of(op)).as("op %d", op.opId()).isEqualTo(reference(op))
                    .hasSize(OpDigest.LENGTH);
        }
    }

    @Test
    void keyOrderDoesNotCountButContentDoes() throws Exception {
        byte[] one = OpDigest.of(op(1, "create", "notes", "n1", null, null, "{\"a\":1,\"b\":{\"d\":2,\"c\":3}}"));
        byte[] sameInOtherOrder = OpDigest.of(op(1, "create", "notes", "n1", null, null,
                "{\"b\":{\"c\":3,\"d\":2},\"a\":1}"));
        byte[] other = OpDigest.of(op(1, "create", "notes", "n1", null, null, "{\"a\":1,\"b\":{\"d\":2,\"c\":4}}"));
        assertThat(one).isEqualTo(sameInOtherOrder).isNotEqualTo(other);
    }

    /** The first version's algorithm: a tree written with sorted keys, then hashed. */
    private static byte[] reference(PushOperation op) throws Exception {
        ObjectMapper canonical = JsonMapper.builder().configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true).build();
        ObjectNode node = canonical.createObjectNode();
        node.put("type", op.rawType());
        node.put("collection", op.collection());
        node.put("id", op.id());
        node.put("tempId", op.tempId());
        node.put("baseVersion", op.baseVersion());
        node.set("data", op.data());
        return MessageDigest.getInstance("SHA-256").digest(canonical.writeValueAsBytes(node));
    }

    private static PushOperation op(long opId, String type, String collection, String id, String tempId,
                                    Long baseVersion, String data) throws Exception {
        return new PushOperation(opId, OpType.valueOf(type.toUpperCase()), type, collection, id, tempId, baseVersion,
                data == null ? null : (ObjectNode) MAPPER.readTree(data), null, null);
    }
}
