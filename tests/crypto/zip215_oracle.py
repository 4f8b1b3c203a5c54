#!/usr/bin/env python3
"""A slow, independent ZIP 215 oracle, written from the equations of ZIP 215
(https://zips.z.cash/zip-0215) with Python integers and hashlib only.

Input: one case per line, "pk_hex sig_hex msg_hex" (msg_hex is "-" when the
message is empty). Output: one line per case, "V" (valid) or "X" (invalid).

    python3 zip215_oracle.py cases.txt verdicts.txt
"""
import hashlib
import sys

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def decode_point(b):
    """ZIP 215 point decoding: y may be >= p (taken mod p); a sign bit on
    x = 0 is accepted. Returns extended (X, Y, Z, T) or None."""
    n = int.from_bytes(b, "little")
    sign = n >> 255
    y = (n & ((1 << 255) - 1)) % P
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x2 = u * pow(v, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = (P - x) % P
    return (x, y, 1, x * y % P)


def add(p1, p2):
    """Complete twisted Edwards addition in extended coordinates (a = -1)."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * D * t1 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def neg(p):
    x, y, z, t = p
    return ((P - x) % P, y, z, (P - t) % P)


def mul(s, p):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = add(q, p)
        p = add(p, p)
        s >>= 1
    return q


def is_identity(p):
    x, y, z, _ = p
    return x % P == 0 and (y - z) % P == 0


B = decode_point((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def verify(pk, sig, msg):
    if len(pk) != 32 or len(sig) != 64:
        return False
    s = int.from_bytes(sig[32:], "little")
    if s >= L:
        return False
    a = decode_point(pk)
    r = decode_point(sig[:32])
    if a is None or r is None:
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % L
    # [8]([S]B - [k]A - R) == identity
    q = add(add(mul(s, B), neg(mul(k, a))), neg(r))
    return is_identity(mul(8, q))


def main():
    with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
        for line in f:
            pk_hex, sig_hex, msg_hex = line.split()
            msg = b"" if msg_hex == "-" else bytes.fromhex(msg_hex)
            ok = verify(bytes.fromhex(pk_hex), bytes.fromhex(sig_hex), msg)
            out.write("V\n" if ok else "X\n")


if __name__ == "__main__":
    main()
