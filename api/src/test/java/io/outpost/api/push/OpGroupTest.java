package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Contract v1.2, Op groups: the ops of a group apply all together or not at all. */
class OpGroupTest extends ServerTest {

    private String tenant;
    private String token;

    @BeforeEach
    void aProduct() {
        tenant = anyTenant();
        token = userToken(tenant);
        pushOk(token, json("{'deviceId':'till-1','operations':[{'opId':1,'type':'create','collection':'products',"
                + "'id':'sku-1','data':{'name':'Rice','stock':5}},"
                + "{'opId':2,'type':'create','collection':'manual_notes','id':'m-1','data':{'t':1}},"
                + "{'opId':3,'type':'update','collection':'manual_notes','id':'m-1','baseVersion':1,'data':{'t':2}}]}"));
    }

    private JsonNode results(String ops) {
        return pushOk(token, json("{'deviceId':'till-1','operations':[" + ops + "]}")).path("results");
    }

    private boolean exists(String collection, String id) {
        int status = get(token(tenant, "auditor-1", Role.AUDITOR), "/api/v1/audit/records/" + collection + "/" + id
                + "/history").statusCode();
        assertThat(status).as("history of %s/%s", collection, id).isIn(200, 404);
        return status == 200;
    }

    @Test
    void aGroupWhoseOpsAllSucceedIsApplied() {
        JsonNode r = results("{'opId':10,'group':'sale-1','type':'create','collection':'notes','id':'sale-1',"
                + "'data':{'total':2}},"
                + "{'opId':11,'group':'sale-1','type':'increment','collection':'products','id':'sku-1',"
                + "'data':{'stock':-2}}");
        assertThat(r.findValuesAsText("status")).containsExactly("applied", "applied");
        assertThat(r.get(1).path("data").path("stock").asLong()).isEqualTo(3);
    }

    @Test
    void oneFailingOpLeavesTheWholeGroupUnappliedAndNamesTheCulprit() {
        long before = footprint(tenant);
        JsonNode r = results("{'opId':10,'type':'create','collection':'notes','id':'before','data':{}},"
                + "{'opId':11,'group':'sale-2','type':'create','collection':'notes','id':'sale-2','data':{}},"
                + "{'opId':12,'group':'sale-2','type':'increment','collection':'products','id':'sku-1',"
                + "'data':{'stock':-9}},"
                + "{'opId':13,'group':'sale-2','type':'create','collection':'notes','id':'line-2','data':{}},"
                + "{'opId':14,'type':'create','collection':'notes','id':'after','data':{}}");
        assertThat(r.findValuesAsText("status")).containsExactly("applied", "rejected", "rejected", "rejected",
                "applied");
        assertThat(r.get(2).path("error").path("code").asText()).as("the culprit's own result")
                .isEqualTo("validation_failed");
        for (int i : new int[] {1, 3}) {
            assertThat(r.get(i).path("error").path("code").asText()).isEqualTo("group_failed");
            assertThat(r.get(i).path("error").path("message").asText()).contains("op 12");
        }
        assertThat(exists("notes", "sale-2")).as("the group's create was rolled back").isFalse();
        assertThat(exists("notes", "before")).isTrue();
        assertThat(exists("notes", "after")).isTrue();
        JsonNode stock = results("{'opId':15,'type':'increment','collection':'products','id':'sku-1',"
                + "'data':{'stock':0}}").get(0);
        assertThat(stock.path("data").path("stock").asLong()).isEqualTo(5);
        assertThat(footprint(tenant)).isGreaterThan(before);

        JsonNode again = pushOk(token, json("{'deviceId':'till-1','operations':["
                + "{'opId':11,'group':'sale-2','type':'create','collection':'notes','id':'sale-2','data':{}},"
                + "{'opId':12,'group':'sale-2','type':'increment','collection':'products','id':'sku-1',"
                + "'data':{'stock':-9}},"
                + "{'opId':13,'group':'sale-2','type':'create','collection':'notes','id':'line-2','data':{}}]}"));
        assertThat(again.path("results").findValuesAsText("duplicate")).containsOnly("true").hasSize(3);
        assertThat(again.path("results").get(1).path("error").path("code").asText()).isEqualTo("validation_failed");
        assertThat(exists("notes", "sale-2")).as("final: a re-send never applies it").isFalse();
    }

    @Test
    void aManualConflictInAGroupIsNotParkedAndAResolvableOneDoesNotFailIt() {
        JsonNode r = results("{'opId':10,'group':'g1','type':'create','collection':'notes','id':'n-10','data':{}},"
                + "{'opId':11,'group':'g1','type':'update','collection':'manual_notes','id':'m-1','baseVersion':1,"
                + "'data':{'t':3}}");
        assertThat(r.get(1).path("status").asText()).isEqualTo("conflict");
        assertThat(r.get(1).path("conflict").has("conflictId")).as("not parked").isFalse();
        assertThat(r.get(1).path("version").asLong()).isEqualTo(2);
        assertThat(r.get(0).path("error").path("code").asText()).isEqualTo("group_failed");
        assertThat(parse(get(token, "/api/v1/conflicts?status=open").body()).size()).isZero();
        assertThat(exists("notes", "n-10")).isFalse();

        JsonNode ok = results("{'opId':12,'group':'g2','type':'create','collection':'merge_notes','id':'mm',"
                + "'data':{'a':1,'b':1}},"
                + "{'opId':13,'group':'g2','type':'update','collection':'merge_notes','id':'mm','baseVersion':1,"
                + "'data':{'a':2}}");
        assertThat(ok.findValuesAsText("status")).containsExactly("applied", "applied");
    }

    @Test
    void aSplitGroupOrABadGroupNameIsAnInvalidRequestAndChangesNothing() {
        long before = footprint(tenant);
        HttpResponse<String> split = push(token, json("{'deviceId':'till-1','operations':["
                + "{'opId':10,'group':'a','type':'create','collection':'notes','id':'x1','data':{}},"
                + "{'opId':11,'type':'create','collection':'notes','id':'x2','data':{}},"
                + "{'opId':12,'group':'a','type':'create','collection':'notes','id':'x3','data':{}}]}"));
        assertThat(split.statusCode()).isEqualTo(400);
        assertThat(parse(split.body()).path("code").asText()).isEqualTo("invalid_request");
        assertThat(parse(split.body()).path("errors").get(0).path("field").asText()).isEqualTo("operations[2].group");
        HttpResponse<String> badName = push(token, json("{'deviceId':'till-1','operations':["
                + "{'opId':10,'group':'no spaces','type':'create','collection':'notes','id':'x1','data':{}}]}"));
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(footprint(tenant)).isEqualTo(before);
    }
}
