package org.blocklayer.web.gate.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The Felix Web Console's password setting, as its OsgiManager reads it: plain text, or
 * {@code {ALGORITHM}[SALT-[ITERATIONS-]]BASE64} of the digest of salt and password. It is weak while it still lets
 * anyone in who has read the console's documentation: unset, empty, or its built-in {@value #DEFAULT} in any form.
 */
final class ConsolePassword {
    /** The console's built-in password (with user name "admin"). */
    static final String DEFAULT = "admin";

    private ConsolePassword() {
    }

    /** Whether {@code setting} (null: not set anywhere) leaves the console open with its default password. */
    static boolean isWeak(String setting) {
        if (setting == null || setting.isEmpty()) {
            return true;
        }
        int end = setting.startsWith("{") ? setting.indexOf('}') : -1;
        if (end < 0) {
            return setting.equals(DEFAULT);
        }
        return digestOfDefault(setting.substring(1, end), setting.substring(end + 1));
    }

    /** Whether {@code encoded} ({@code [SALT-[ITERATIONS-]]BASE64}) is the digest of "admin" with {@code algorithm}. */
    private static boolean digestOfDefault(String algorithm, String encoded) {
        String salt = null;
        int iterations = 1;
        String rest = encoded;
        int dash = rest.indexOf('-');
        if (dash >= 0) {
            salt = rest.substring(0, dash);
            rest = rest.substring(dash + 1);
            int next = rest.indexOf('-');
            if (next >= 0) {
                try {
                    iterations = Integer.parseInt(rest.substring(0, next));
                    rest = rest.substring(next + 1);
                } catch (NumberFormatException e) {
                    // No iteration count: the console then digests once, as here.
                }
            }
        }
        try {
            MessageDigest digest = MessageDigest.getInstance(algorithm);
            byte[] bytes = ((salt == null ? "" : salt) + DEFAULT).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < iterations; i++) {
                digest.reset();
                bytes = digest.digest(bytes);
            }
            return MessageDigest.isEqual(Base64.getEncoder().encodeToString(bytes).getBytes(StandardCharsets.US_ASCII),
                    rest.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            // The console could not check a password against it either: nobody gets in with "admin".
            return false;
        }
    }
}
