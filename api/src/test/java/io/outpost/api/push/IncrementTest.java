package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Contract v1.2, Increment: conflict-free counters, exactly once, validated by the schema, in the history. */
class IncrementTest extends ServerTest {

    private String tenant;
    private String till1;
    private String till2;

    @BeforeEach
    void aProductWithStock() {
        tenant = anyTenant();
        till1 = token(tenant, "cashier-1", Role.USER);
        till2 = token(tenant, "cashier-2", Role.USER);
        pushOk(till1, json("{'deviceId':'till-1','operations':[{'opId':1,'type':'create','collection':'products',"
                + "'id':'sku-1','data':{'name':'Rice 1 kg','stock':5,'label':'x'}}]}"));
    }

    private JsonNode one(String token, String device, String op) {
        return pushOk(token, json("{'deviceId':'" + device + "','operations':[" + op + "]}")).path("results").get(0);
    }

    private JsonNode record(String id) {
        JsonNode changes = parse(get(till1, "/api/v1/sync/pull?deviceId=till-1").body()).path("changes");
        for (JsonNode c : changes) if (c.path("id").asText().equals(id)) return c;
        return null;
    }

    @Test
    void twoTillsSellingFromOneStaleViewBothLandAndNeitherConflicts() {
        // both tills saw stock 5 at version 1; each sells offline and pushes later
        JsonNode a = one(till1, "till-1",
                "{'opId':2,'type':'increment','collection':'products','id':'sku-1','data':{'stock':-2}}");
        JsonNode b = one(till2, "till-2",
                "{'opId':1,'type':'increment','collection':'products','id':'sku-1','data':{'stock':-3,'visits':1}}");
        assertThat(a.path("status").asText()).isEqualTo("applied");
        assertThat(a.path("version").asLong()).isEqualTo(2);
        assertThat(a.path("data").path("stock").asLong()).as("the whole record after it").isEqualTo(3);
        assertThat(a.path("data").path("name").asText()).isEqualTo("Rice 1 kg");
        assertThat(b.path("status").asText()).isEqualTo("applied");
        assertThat(b.path("version").asLong()).isEqualTo(3);
        assertThat(b.path("data").path("stock").asLong()).isEqualTo(0);
        assertThat(b.path("data").path("visits").asLong()).as("a missing field counts as 0").isEqualTo(1);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> record("sku-1") != null && record("sku-1").path("version").asLong() == 3);
        assertThat(record("sku-1").path("data").path("stock").asLong()).isZero();
    }

    @Test
    void aResentIncrementIsADuplicateAndNeverAppliedTwice() {
        String op = "{'opId':2,'type':'increment','collection':'products','id':'sku-1','data':{'stock':-1}}";
        JsonNode first = one(till1, "till-1", op);
        JsonNode again = one(till1, "till-1", op);
        assertThat(first.path("data").path("stock").asLong()).isEqualTo(4);
        assertThat(again.path("duplicate").asBoolean()).isTrue();
        assertThat(again.path("data").path("stock").asLong()).as("the stored answer").isEqualTo(4);
        JsonNode third = one(till1, "till-1",
                "{'opId':3,'type':'increment','collection':'products','id':'sku-1','data':{'stock':-1}}");
        assertThat(third.path("data").path("stock").asLong()).as("opId 2 counted once").isEqualTo(3);
        assertThat(third.path("version").asLong()).isEqualTo(3);
    }

    @Test
    void decimalsAddExactlyAndIntegersStayIntegers() {
        one(till1, "till-1", "{'opId':2,'type':'increment','collection':'products','id':'sku-1',"
                + "'data':{'weightKg':0.1}}");
        JsonNode r = one(till1, "till-1", "{'opId':3,'type':'increment','collection':'products','id':'sku-1',"
                + "'data':{'weightKg':0.2,'stock':10}}");
        assertThat(r.path("data").path("weightKg").decimalValue()).isEqualByComparingTo("0.3");
        assertThat(r.path("data").path("stock").isIntegralNumber()).isTrue();
        assertThat(r.path("data").path("stock").asLong()).isEqualTo(15);
    }

    @Test
    void whatAnIncrementMayNotDoIsRejectedAndChangesNothing() {
        assertRejected("{'opId':2,'type':'increment','collection':'products','id':'sku-1','data':{'name':1}}",
                "invalid_operation", "name");
        assertRejected("{'opId':3,'type':'increment','collection':'products','id':'sku-1','data':{'stock':'2'}}",
                "invalid_operation", "data.stock");
        assertRejected("{'opId':4,'type':'increment','collection':'products','id':'sku-1','baseVersion':1,"
                + "'data':{'stock':1}}", "invalid_operation", "baseVersion");
        assertRejected("{'opId':5,'type':'increment','collection':'products','id':'nope','data':{'stock':1}}",
                "not_found", null);
        assertRejected("{'opId':6,'type':'increment','collection':'products','id':'sku-1','data':{'stock':-6}}",
                "validation_failed", "stock");
        assertRejected("{'opId':7,'type':'increment','collection':'notes','id':'sku-1','data':{'stock':1}}",
                "not_found", null);
        JsonNode now = one(till1, "till-1",
                "{'opId':8,'type':'increment','collection':'products','id':'sku-1','data':{'stock':0}}");
        assertThat(now.path("data").path("stock").asLong()).as("nothing was applied before").isEqualTo(5);
        assertThat(now.path("version").asLong()).isEqualTo(2);
    }

    @Test
    void anIncrementOfADeletedRecordOrOfANonNumberIsRefused() {
        pushOk(till1, json("{'deviceId':'till-1','operations':[{'opId':2,'type':'create','collection':'products',"
                + "'id':'sku-2','data':{'name':'Salt','visits':'many'}},"
                + "{'opId':3,'type':'create','collection':'products','id':'sku-3','data':{'name':'Oil'}},"
                + "{'opId':4,'type':'delete','collection':'products','id':'sku-3','baseVersion':1}]}"));
        assertRejected("{'opId':5,'type':'increment','collection':'products','id':'sku-2','data':{'visits':1}}",
                "invalid_operation", "visits");
        assertRejected("{'opId':6,'type':'increment','collection':'products','id':'sku-3','data':{'stock':1}}",
                "not_found", null);
    }

    @Test
    void theHistoryShowsTheDeltaAsThePatch() {
        one(till1, "till-1", "{'opId':2,'type':'increment','collection':'products','id':'sku-1','data':{'stock':-2}}");
        JsonNode history = parse(get(token(tenant, "auditor-1", Role.AUDITOR),
                "/api/v1/audit/records/products/sku-1/history").body());
        JsonNode change = history.get(1);
        assertThat(change.path("version").asLong()).isEqualTo(2);
        assertThat(change.path("patch")).isEqualTo(parse("{\"stock\":-2}"));
        assertThat(change.path("data").path("stock").asLong()).isEqualTo(3);
        assertThat(change.path("deviceId").asText()).isEqualTo("till-1");
    }

    private void assertRejected(String op, String code, String field) {
        JsonNode r = one(till1, "till-1", op);
        assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("rejected");
        assertThat(r.path("error").path("code").asText()).as(r.toString()).isEqualTo(code);
        if (field != null) {
            assertThat(r.path("error").path("fields").findValuesAsText("field")).as(r.toString()).contains(field);
        }
    }
}
