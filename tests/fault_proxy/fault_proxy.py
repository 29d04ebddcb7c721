#!/usr/bin/env python3
"""A scripted fault-injecting HTTP/1.1 proxy for tests, in front of a real server.

    fault_proxy.py --port P --upstream-port U [--upstream-host 127.0.0.1]

Requests are forwarded to the upstream (one upstream connection per request) unless a rule
matches. Rules are set over HTTP so one proxy serves a whole test binary:

    PUT    /__faults/rules   JSON list of rules; replaces the rules and clears the hit counts
    DELETE /__faults/rules   no rules, hit counts cleared
    GET    /__faults/hits    JSON {path: requests seen}, every request counted, faulted or not
    GET    /__faults/connections   JSON {"connections": N}: connections that carried at least one
                             request other than these control ones (cleared with the hit counts)

A rule applies to the first `times` requests whose path (query excluded) equals `path`, or
starts with it when "prefix": true (times -1: every request). The first rule with attempts
left wins. Actions:

    {"action": "reset"}                         RST right after reading the request
    {"action": "close"}                         close (FIN) without answering
    {"action": "status", "status": 503,         answer without asking the upstream; keep-alive
     "retry_after": "1", "body": "...",
     "content_type": "application/xml"}
    {"action": "stall", "seconds": 5}           say nothing for that long, then close
    {"action": "truncate", "keep_bytes": 100}   forward, send the upstream's headers (its
                                                Content-Length) and only keep_bytes of the body,
                                                then close ("then": "reset" to RST instead)
    {"action": "drip", "bytes_per_second": 1}   forward, send the upstream's headers at once and
                                                its body that many bytes a second (a server that
                                                is alive but too slow to wait for), then close
    {"action": "raw", "data": "HTTP/1.1 ...",   answer with exactly these bytes (each character
     "gap_ms": 50, "then": "close"}             of the string one byte, U+0000..U+00FF), without
                                                asking the upstream; "data" may be a list of
                                                pieces sent gap_ms apart. Then "close" (FIN, the
                                                default), "reset" (RST) or "keep" (read the next
                                                request on this connection)
"""
import argparse
import asyncio
import json
import socket
import struct
import sys

REASONS = {200: "OK", 404: "Not Found", 408: "Request Timeout", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


class State:
    def __init__(self):
        self.rules = []
        self.hits = {}
        self.connections = 0

    def set_rules(self, rules):
        self.rules = [dict(rule, left=rule.get("times", 1)) for rule in rules]
        self.hits = {}
        self.connections = 0

    def match(self, path):
        self.hits[path] = self.hits.get(path, 0) + 1
        for rule in self.rules:
            if rule["left"] == 0:
                continue
            hit = path.startswith(rule["path"]) if rule.get("prefix") else path == rule["path"]
            if hit:
                if rule["left"] > 0:
                    rule["left"] -= 1
                return rule
        return None


STATE = State()
ARGS = None


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = []
    length = 0
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return method, target, headers, body


def reply(writer, status, body=b"", extra=()):
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in extra]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def reset(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def forward(method, target, headers, body):
    """Returns the upstream's (head bytes, body bytes); the head has no Connection header."""
    reader, writer = await asyncio.open_connection(ARGS.upstream_host, ARGS.upstream_port)
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{n}: {v}" for n, v in headers if n.lower() not in ("connection", "keep-alive")]
    lines.append("Connection: close")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, rest = raw.partition(b"\r\n\r\n")
    kept = [line for line in head.split(b"\r\n") if not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join(kept) + b"\r\n\r\n", rest


async def control(method, path, body, writer):
    if path == "/__faults/rules" and method == "PUT":
        STATE.set_rules(json.loads(body or b"[]"))
        reply(writer, 200)
    elif path == "/__faults/rules" and method == "DELETE":
        STATE.set_rules([])
        reply(writer, 200)
    elif path == "/__faults/hits" and method == "GET":
        reply(writer, 200, json.dumps(STATE.hits).encode(), [("Content-Type", "application/json")])
    elif path == "/__faults/connections" and method == "GET":
        reply(writer, 200, json.dumps({"connections": STATE.connections}).encode(),
              [("Content-Type", "application/json")])
    else:
        reply(writer, 404)


async def send_raw(rule, writer):
    """The "raw" action: the rule's bytes verbatim; False when the connection is done."""
    data = rule.get("data", "")
    pieces = data if isinstance(data, list) else [data]
    for index, piece in enumerate(pieces):
        if index > 0:
            await asyncio.sleep(float(rule.get("gap_ms", 0)) / 1000)
        writer.write(piece.encode("latin-1"))
        await writer.drain()
    then = rule.get("then", "close")
    if then == "keep":
        return True
    if then == "reset":
        reset(writer)
    else:
        writer.close()
    return False


async def serve(reader, writer):
    counted = False
    try:
        while True:
            try:
                method, target, headers, body = await read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            path = target.split("?", 1)[0]
            keep_alive = not any(n.lower() == "connection" and v.lower() == "close" for n, v in headers)
            if path.startswith("/__faults/"):
                await control(method, path, body, writer)
                await writer.drain()
                if not keep_alive:
                    return
                continue
            if not counted:
                STATE.connections += 1
                counted = True
            rule = STATE.match(path)
            action = rule["action"] if rule else "forward"
            if action == "reset":
                reset(writer)
                return
            if action == "close":
                writer.close()
                return
            if action == "stall":
                await asyncio.sleep(float(rule.get("seconds", 5)))
                writer.close()
                return
            if action == "raw":
                if not await send_raw(rule, writer):
                    return
                continue
            if action == "status":
                extra = [("Content-Type", rule.get("content_type", "application/xml"))]
                if "retry_after" in rule:
                    extra.append(("Retry-After", str(rule["retry_after"])))
                reply(writer, int(rule.get("status", 503)), rule.get("body", "").encode(), extra)
                await writer.drain()
                if not keep_alive:
                    return
                continue
            head, payload = await forward(method, target, headers, body)
            if action == "drip":
                writer.write(head)
                await writer.drain()
                rate = max(1, int(rule.get("bytes_per_second", 1)))
                for start in range(0, len(payload), rate):
                    writer.write(payload[start:start + rate])
                    await writer.drain()
                    await asyncio.sleep(1)
                writer.close()
                return
            if action == "truncate":
                writer.write(head + payload[: int(rule.get("keep_bytes", 0))])
                await writer.drain()
                if rule.get("then") == "reset":
                    reset(writer)
                else:
                    writer.close()
                return
            writer.write(head + (b"" if method == "HEAD" else payload))
            await writer.drain()
            if not keep_alive:
                return
    except ConnectionError:
        pass
    finally:
        if not writer.is_closing():
            writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", ARGS.port, limit=1 << 20)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream-port", type=int, required=True)
    parser.add_argument("--upstream-host", default="127.0.0.1")
    ARGS = parser.parse_args()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
