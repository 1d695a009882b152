package io.outpost.api.pull;

import io.outpost.api.security.JwtSecret;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.query.pull.FeedPosition;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Encodes cursors as {@code base64url(payload).base64url(HMAC-SHA256(tenant, payload))}. The MAC binds a cursor to
 * its tenant (a cursor of another tenant does not verify) and covers the collections filter and the feed epoch, so a
 * forged, foreign or re-targeted cursor is {@code invalid_cursor}. The key is derived from the JWT secret.
 */
@Component
class CursorCodec {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final byte[] key;

    CursorCodec(JwtSecret secret) {
        this.key = hmac(secret.key().getEncoded(), "outpost-cursor-v1".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Payload version 2: positions as {@code tx.seq} (V19). Version 1 (a position {@code p} before V19) is still read,
     * as {@code (0, p)}: rows written before V19 have transaction 0 and keep their order, so such a cursor continues
     * exactly where it was.
     */
    String encode(String tenant, Cursor c) {
        String payload = "2|" + c.epoch() + "|" + text(c.position()) + "|"
                + (c.snapshotStart() == null ? "" : text(c.snapshotStart())) + "|" + c.seenOpId() + "|"
                + c.collections();
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return B64.encodeToString(bytes) + "." + B64.encodeToString(mac(tenant, bytes));
    }

    /** @throws ApiException {@code invalid_cursor} unless the cursor was issued by this server for this tenant */
    Cursor decode(String tenant, String collections, String token) {
        int dot = token.indexOf('.');
        if (dot <= 0 || token.length() > 512) throw invalid("the cursor is malformed");
        byte[] payload;
        byte[] signature;
        try {
            payload = B64D.decode(token.substring(0, dot));
            signature = B64D.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw invalid("the cursor is malformed");
        }
        if (!MessageDigest.isEqual(signature, mac(tenant, payload))) {
            throw invalid("the cursor was not issued to this tenant by this server");
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
        if (parts.length != 6 || !(parts[0].equals("1") || parts[0].equals("2"))) {
            throw invalid("the cursor is malformed");
        }
        boolean v1 = parts[0].equals("1");
        if (!parts[5].equals(collections)) {
            throw invalid("the cursor was issued for collections [" + parts[5] + "], not [" + collections + "]");
        }
        try {
            return new Cursor(Long.parseLong(parts[1]), position(parts[2], v1),
                    parts[3].isEmpty() ? null : position(parts[3], v1), Long.parseLong(parts[4]), parts[5]);
        } catch (NumberFormatException e) {
            throw invalid("the cursor is malformed");
        }
    }

    private static String text(FeedPosition p) {
        return p.tx() + "." + p.seq();
    }

    private static FeedPosition position(String text, boolean v1) {
        if (v1) return new FeedPosition(0, Long.parseLong(text));
        int dot = text.indexOf('.');
        if (dot < 0) throw new NumberFormatException(text);
        return new FeedPosition(Long.parseLong(text.substring(0, dot)), Long.parseLong(text.substring(dot + 1)));
    }

    private static ApiException invalid(String detail) {
        return new ApiException(ErrorCode.INVALID_CURSOR, detail);
    }

    private byte[] mac(String tenant, byte[] payload) {
        byte[] t = (tenant + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[t.length + payload.length];
        System.arraycopy(t, 0, all, 0, t.length);
        System.arraycopy(payload, 0, all, t.length, payload.length);
        return hmac(key, all);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
