package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.security.JwtSecret;
import io.outpost.api.support.ServerTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A cursor issued before V19 (payload version 1: a bare position) continues exactly where it was: rows written before
 * V19 have transaction 0 and keep their order, rows written since come after all of them.
 */
class CursorBeforeV19Test extends ServerTest {

    @Autowired
    JwtSecret secret;

    @Test
    void aVersionOneCursorContinuesAfterItsPosition() throws Exception {
        String tenant = anyTenant();
        String token = userToken(tenant);
        long seen = oldRow(tenant, "seen");
        oldRow(tenant, "unseen");
        pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'new','data':{'v':1}}]}"));

        String cursor = versionOne(tenant, jdbc.queryForObject("SELECT epoch FROM feed_state", Long.class), seen);
        Drained after = drain(token, "dev-1", cursor, null, 10);
        assertThat(after.ids()).containsExactly("notes/new", "notes/unseen");
        assertThat(after.changes().get(0).path("id").asText()).as("the old row first, in feed order")
                .isEqualTo("unseen");
    }

    /** A row as the projection wrote it before V19, which the migration gave transaction 0. */
    private long oldRow(String tenant, String id) {
        return jdbc.queryForObject("INSERT INTO records (tenant, collection, id, version, deleted, data, owner, "
                + "created_by, updated_at, updated_by, schema_version, change_seq, change_tx) "
                + "VALUES (?, 'notes', ?, 1, false, '{\"v\":0}', 'user-1', 'user-1', now(), 'user-1', 1, "
                + "nextval('change_seq'), 0) "
                + "RETURNING change_seq", Long.class, tenant, id);
    }

    /** The cursor an earlier server issued: {@code 1|epoch|position||seenOpId|collections}, signed as it signed it. */
    private String versionOne(String tenant, long epoch, long position) throws Exception {
        byte[] payload = ("1|" + epoch + "|" + position + "||0|").getBytes(StandardCharsets.UTF_8);
        byte[] key = hmac(secret.key().getEncoded(), "outpost-cursor-v1".getBytes(StandardCharsets.UTF_8));
        byte[] signed = hmac(key, concat((tenant + "\n").getBytes(StandardCharsets.UTF_8), payload));
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(payload) + "." + b64.encodeToString(signed);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static byte[] hmac(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }
}
