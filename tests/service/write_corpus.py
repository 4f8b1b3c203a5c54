#!/usr/bin/env python3
"""Seeds for the service fuzz targets: a valid VERIFY request of a few items,
CAPS and PING, a truncated body, a hello, an auth and VERIFY responses.
Run from this folder: python3 write_corpus.py"""
import struct

def item(msg):
    return bytes(32) + bytes(range(64)) + struct.pack("<I", len(msg)) + msg

def request(typ, count, body, rules=2, scheme=1):
    return struct.pack("<BBBBIQII", 1, typ, scheme, rules, count, 7, len(body), 0) + body

body = item(b"abc") + item(b"") + item(bytes(100))
seeds = {
    "request/verify3": request(1, 3, body),
    "request/strict1": request(1, 1, item(b"x"), rules=1),
    "request/caps": request(2, 0, b""),
    "request/ping": request(3, 0, b""),
    "request/short_body": request(1, 3, body[:-5]),
    "request/bad_scheme": request(1, 1, item(b"x"), scheme=9),
}
hello = b"VGSH" + bytes([1, 0, 0, 0]) + bytes(32) + bytes(range(32))
auth = b"VGSA" + bytes([1, 0, 0, 0]) + bytes(32) + bytes(64)
def response(status, count, body):
    return struct.pack("<BBBBIQII", 1, 1, status, 0, count, 7, len(body), 0) + struct.pack("<I", count) + body
seeds["handshake/hello"] = hello
seeds["handshake/auth"] = auth
seeds["handshake/verify_ok"] = response(0, 3, struct.pack("<I", 0b101) + bytes([0, 16, 0]))
seeds["handshake/overloaded"] = response(34, 3, b"")
for name, data in seeds.items():
    with open("corpus/" + name, "wb") as f:
        f.write(data)
