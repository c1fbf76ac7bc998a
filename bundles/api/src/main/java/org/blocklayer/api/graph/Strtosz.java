package org.blocklayer.api.graph;

import java.math.BigDecimal;
import java.math.BigInteger;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * QEMU 7.2's {@code qemu_strtosz} (util/cutils.c, {@code do_strtosz} with unit 1024 and default suffix B) followed
 * by qemu-io's {@code cvtnum}, which refuses what does not fit an int64. The rules, step by step as QEMU takes them:
 * <ol>
 * <li>A decimal integer as {@code strtoull} reads it: leading white space and a sign are allowed, at least one
 * digit is needed, more than 2^64-1 is ERANGE. A minus sign anywhere in it is refused ({@code -0} too).</li>
 * <li>When that integer is 0 and an {@code x} or {@code X} follows, the text is read again as hexadecimal
 * ({@code 0x10} is 16); a hexadecimal number may not have a fraction. {@code b} and {@code e} are hex digits there,
 * so {@code 0x1e} is 30, but {@code k m g t p} after hex digits are still suffixes ({@code 0x10k} is 16384: QEMU 7.2
 * accepts it with a deprecation warning).</li>
 * <li>Otherwise a {@code .} starts a decimal fraction ({@code 1.5K}); an exponent in it is refused, and {@code 1.k}
 * (no digits after the point) is 1K.</li>
 * <li>One optional suffix, either case: {@code b} (1), {@code k m g t p e} (1024^1 .. 1024^6).</li>
 * <li>A fraction other than zero needs a suffix other than {@code b}; the product is rounded to the nearest byte,
 * halves up, computed in QEMU's 64.64 fixed point so the rounding is QEMU's to the byte.</li>
 * <li>Nothing may follow; more than 2^63-1 is ERANGE.</li>
 * </ol>
 */
final class Strtosz {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    private static final BigInteger MASK_64 = TWO_64.subtract(BigInteger.ONE);
    private static final String SUFFIXES = "BKMGTPE";

    private final String what;
    private final String text;
    private int pos;

    private Strtosz(String what, String text) {
        this.what = what;
        this.text = text;
    }

    static long parse(String what, String text) throws BlockException {
        return new Strtosz(what, text == null ? "" : text).parse();
    }

    private long parse() throws BlockException {
        Unsigned integer = unsigned(10);
        if (integer == null) {
            throw invalid("no number at the start");
        }
        if (!integer.tooLarge() && integer.negative()) {
            throw invalid("a size cannot be negative");
        }
        BigInteger valf = BigInteger.ZERO;
        int shift = 0;
        if (!integer.tooLarge() && integer.value().signum() == 0 && (at() == 'x' || at() == 'X')) {
            pos = 0;
            integer = unsigned(16);
            if (!integer.tooLarge() && at() == '.') {
                throw invalid("a hexadecimal number cannot have a fraction");
            }
        } else if (!integer.tooLarge() && at() == '.') {
            valf = fraction();
        }
        if (!integer.tooLarge()) {
            shift = SUFFIXES.indexOf(Character.toUpperCase(at()));
            if (shift >= 0) {
                pos++;
            } else {
                shift = 0;
            }
        }
        // As in QEMU, text left over is EINVAL even when the number before it was too large.
        if (pos < text.length()) {
            throw invalid("unexpected '" + text.substring(pos) + "' after '" + text.substring(0, pos) + "'");
        }
        if (integer.tooLarge()) {
            throw tooLarge();
        }
        if (shift == 0 && valf.signum() != 0) {
            throw invalid("a fraction needs a suffix: K, M, G, T, P or E");
        }
        BigInteger mul = BigInteger.ONE.shiftLeft(10 * shift);
        BigInteger frac = valf.multiply(mul);
        BigInteger bytes = integer.value().multiply(mul).add(frac.shiftRight(64))
                .add(frac.testBit(63) ? BigInteger.ONE : BigInteger.ZERO);
        if (bytes.bitLength() > 63) {
            throw tooLarge();
        }
        return bytes.longValueExact();
    }

    /** The unsigned integer strtoull reads at {@code pos} in {@code base}, or null when there is none. */
    private Unsigned unsigned(int base) {
        int i = pos;
        while (i < text.length() && " \t\n\u000b\f\r".indexOf(text.charAt(i)) >= 0) {
            i++;
        }
        boolean negative = false;
        if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        if (base == 16 && text.startsWith("0", i) && i + 2 < text.length()
                && Character.toUpperCase(text.charAt(i + 1)) == 'X' && digit(text.charAt(i + 2), 16) >= 0) {
            i += 2;
        }
        int start = i;
        while (i < text.length() && digit(text.charAt(i), base) >= 0) {
            i++;
        }
        if (i == start) {
            return null;
        }
        pos = i;
        return new Unsigned(new BigInteger(text.substring(start, i), base), negative);
    }

    /**
     * The fraction after the point, as QEMU keeps it: strtod's double scaled to a 64-bit fixed-point number. A
     * point without digits reads as no fraction; an exponent is refused.
     */
    private BigInteger fraction() throws BlockException {
        pos++;
        int start = pos;
        while (digit(at(), 10) >= 0) {
            pos++;
        }
        if (pos == start) {
            return BigInteger.ZERO;
        }
        if (Character.toUpperCase(at()) == 'E' && exponentFollows(pos + 1)) {
            throw invalid("an exponent is not accepted in a size");
        }
        double fraction = Double.parseDouble("0." + text.substring(start, pos));
        // C's conversion of 2^64 (a fraction rounded up to 1.0) to uint64_t gives 0 on x86_64; so does qemu-io.
        return new BigDecimal(fraction).multiply(new BigDecimal(TWO_64)).toBigInteger().and(MASK_64);
    }

    /** Whether strtod would take an exponent from {@code i} on: an optional sign, then a digit. */
    private boolean exponentFollows(int i) {
        if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            i++;
        }
        return i < text.length() && digit(text.charAt(i), 10) >= 0;
    }

    private char at() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    /** An ASCII digit's value in {@code base}, or -1 (Character.digit would take other scripts' digits too). */
    private static int digit(char c, int base) {
        return c < 0x80 ? Character.digit(c, base) : -1;
    }

    private BlockException invalid(String why) {
        return new BlockException(Errno.EINVAL, "Parameter '" + what + "' expects a size, got '" + text + "': "
                + why);
    }

    private BlockException tooLarge() {
        return new BlockException(Errno.ERANGE, "Parameter '" + what + "': size '" + text + "' is too large (at most "
                + Long.MAX_VALUE + ", 8E - 1)");
    }

    private record Unsigned(BigInteger value, boolean negative) {
        boolean tooLarge() {
            return value.bitLength() > 64;
        }
    }
}
