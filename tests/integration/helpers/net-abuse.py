#!/usr/bin/env python3
"""Abusive clients of the egress proxy, for test_network_proto.sh's
net_robust case, run inside a sandbox with network allow.

  net-abuse.py HOST PORT BIGPATH BIGSIZE

Through the HTTP proxy on 127.0.0.1:3128 and SOCKS5 on 127.0.0.1:1080:
connections closed at once, request heads cut off mid-way, SOCKS5
greetings cut off, CONNECT tunnels whose client half-closes after its
request (the answer must still arrive whole), and downloads abandoned
mid-stream with unread data (a reset).  Prints one line per kind with
what it saw; the caller checks them and the supervisor's descriptors."""
import socket
import sys

HOST, PORT, BIG, SIZE = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])


def conn(port=3128):
    return socket.create_connection(("127.0.0.1", port), 10)


def tunnel():
    s = conn()
    s.sendall(b"CONNECT %s:%d HTTP/1.1\r\nHost: %s\r\n\r\n" % (HOST.encode(), PORT, HOST.encode()))
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            raise SystemExit("tunnel closed: %r" % head)
        head += b
    if b" 200 " not in head.split(b"\r\n")[0]:
        raise SystemExit("CONNECT refused: %r" % head)
    return s


def read_all(s):
    got = 0
    while True:
        b = s.recv(65536)
        if not b:
            return got
        got += len(b)


for _ in range(40):
    conn().close()
print("closed-at-once 40")

for _ in range(40):
    s = conn()
    s.sendall(b"CONNECT %s:%d HTTP/1.1\r\nHost: ab" % (HOST.encode(), PORT))
    s.close()
print("cut-heads 40")

for _ in range(20):
    s = conn(1080)
    s.sendall(b"\x05\x02\x00")
    s.close()
print("cut-socks 20")

ok = 0
for _ in range(5):
    s = tunnel()
    s.sendall(b"GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (BIG.encode(), HOST.encode()))
    s.shutdown(socket.SHUT_WR)
    if read_all(s) > SIZE:
        ok += 1
    s.close()
print("half-closed-whole %d" % ok)

for _ in range(10):
    s = tunnel()
    s.sendall(b"GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (BIG.encode(), HOST.encode()))
    s.recv(65536)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()  # unread data and linger 0: a reset mid-stream
print("abandoned 10")
