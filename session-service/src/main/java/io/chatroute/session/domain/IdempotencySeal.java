package io.chatroute.session.domain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Protects a stored idempotent answer (it holds the visitor token) with a key derived from the
 * caller's Idempotency-Key, so the store never holds a usable token by itself. The record's name is
 * a different hash of the same key.
 */
public final class IdempotencySeal {

    private static final SecureRandom RANDOM = new SecureRandom();

    private IdempotencySeal() {
    }

    /** The store key suffix for an Idempotency-Key. */
    public static String recordId(String idempotencyKey) {
        return VisitorTokens.sha256Hex("record:" + idempotencyKey);
    }

    public static String seal(String idempotencyKey, String plain) {
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key(idempotencyKey), new GCMParameterSpec(128, iv));
            byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String open(String idempotencyKey, String sealed) {
        try {
            byte[] all = Base64.getDecoder().decode(sealed);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key(idempotencyKey), new GCMParameterSpec(128, all, 0, 12));
            return new String(c.doFinal(all, 12, all.length - 12), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("idempotency record cannot be opened", e);
        }
    }

    private static SecretKeySpec key(String idempotencyKey) {
        return new SecretKeySpec(VisitorTokens.sha256(("seal:" + idempotencyKey).getBytes(StandardCharsets.UTF_8)), "AES");
    }
}
