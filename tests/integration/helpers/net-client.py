#!/usr/bin/env python3
"""Clients for tests/integration/test_network_proto.sh, run inside a sandbox.

  net-client.py tls HOST segments|records [ADDR]
      A TLS handshake to HOST:443 (at ADDR if given) whose ClientHello is sent in pieces:
      "segments": 5 bytes, then 55, then the rest, with pauses (TCP_NODELAY);
      "records": re-framed into TLS records of 64 bytes each.  Then
      "GET / HTTP/1.0"; prints the status line, or "closed" when the
      connection ends before the handshake does.
  net-client.py dns udp|tcp SERVER NAME A|AAAA [N]
      N queries (default 1; over TCP on one connection, 2-byte framing)
      for NAME; prints "rcode=R" and one line per address answered.
"""
import ipaddress
import socket
import ssl
import struct
import sys
import time


def tls(host, mode, addr=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    o = ctx.wrap_bio(inc, out, server_hostname=host)
    try:
        o.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    s = socket.create_connection((addr or host, 443), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if mode == "segments":
        for piece in (hello[:5], hello[5:60], hello[60:]):
            s.sendall(piece)
            time.sleep(0.3)
    else:
        assert hello[0] == 22
        msg = hello[5:5 + int.from_bytes(hello[3:5], "big")]
        for i in range(0, len(msg), 64):
            c = msg[i:i + 64]
            s.sendall(bytes([22, 3, 1]) + len(c).to_bytes(2, "big") + c)
        print("records=%d" % ((len(msg) + 63) // 64), flush=True)

    def pump():
        d = s.recv(65536)
        if not d:
            return False
        inc.write(d)
        return True

    while True:
        try:
            o.do_handshake()
            break
        except ssl.SSLWantReadError:
            x = out.read()
            if x:
                s.sendall(x)
            try:
                if not pump():
                    print("closed")
                    return 3
            except ConnectionResetError:
                print("closed")
                return 3
    o.write(b"GET / HTTP/1.0\r\n\r\n")
    s.sendall(out.read())
    resp = b""
    while b"\r\n" not in resp:
        try:
            resp += o.read(65536)
        except ssl.SSLWantReadError:
            if not pump():
                break
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
    print(resp.split(b"\r\n")[0].decode(errors="replace"))
    return 0


def dns_query(name, qtype, qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)


def dns_answers(resp, qtype):
    rcode = resp[3] & 0xf
    an = struct.unpack(">H", resp[6:8])[0]
    p = 12
    while resp[p] != 0:
        p += 1 + resp[p]
    p += 5
    addrs = []
    for _ in range(an):
        p += 2  # a compression pointer to the question
        t, _c, _ttl, rdlen = struct.unpack(">HHIH", resp[p:p + 10])
        p += 10
        if t == qtype:
            addrs.append(str(ipaddress.ip_address(resp[p:p + rdlen])))
        p += rdlen
    return rcode, addrs


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise EOFError("connection closed")
        b += d
    return b


def dns(proto, server, name, typ, count):
    qtype = {"A": 1, "AAAA": 28}[typ]
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    if proto == "tcp":
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect((server, 53))
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(10)
    for i in range(count):
        q = dns_query(name, qtype, 0x4000 + i)
        if proto == "tcp":
            s.sendall(struct.pack(">H", len(q)) + q)
            resp = recv_exact(s, struct.unpack(">H", recv_exact(s, 2))[0])
        else:
            s.sendto(q, (server, 53))
            resp = s.recv(4096)
        if struct.unpack(">H", resp[:2])[0] != 0x4000 + i:
            print("wrong id")
            return 1
        rcode, addrs = dns_answers(resp, qtype)
        print("rcode=%d" % rcode)
        for a in addrs:
            print(a)
    return 0


def main(argv):
    if argv[1] == "tls":
        return tls(argv[2], argv[3], argv[4] if len(argv) > 4 else None)
    if argv[1] == "dns":
        return dns(argv[2], argv[3], argv[4], argv[5], int(argv[6]) if len(argv) > 6 else 1)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
