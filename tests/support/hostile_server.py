#!/usr/bin/env python3
"""A scripted, misbehaving HTTP/1.1 server for tests (Python standard library only).

    hostile_server.py --host 127.0.0.1 --ready-file FILE

It listens on HOST at a free port (HOST may be any loopback address, e.g. 127.0.0.2 to play
"another host") and, for the test, on a control port on 127.0.0.1. When both listen it writes
"PORT CONTROL_PORT" to FILE. Every request to PORT is recorded; what it answers is set by rules:

    PUT /rules   (control port) JSON list of rules; replaces the rules, clears the record
    GET /log     (control port) JSON {"connections": N, "requests": [{"method", "target",
                 "headers": [[name, value], ...], "body"}, ...]} since the rules were set

A rule applies to a request when all its conditions hold; the first rule with answers left
wins; a request no rule matches gets 404.

    "method": "PROPFIND"              the method (any when absent)
    "path": "/bkt", "prefix": true    the path (query excluded), exact or as a prefix
    "query": {"continuation-token": "A", "marker": null}
                                      query parameters (decoded) that must have these values;
                                      null: must be absent
    "times": 1                        how many requests it answers (-1, the default: all)

and says what to answer:

    "status": 200, "headers": {"x-amz-bucket-region": "eu-west-1"}, "body": "..."
    "redirect_to": "http://127.0.0.2:PORT"   Location = that + the request's own path and
                                      query (status 307 unless given)

In "body" and header values, {{path}} is the request's path (as sent, encoded), {{target}} its
path and query, {{body}} its body, and {{header:NAME}} the value of its header NAME ("" when
absent): a body can echo what the client sent (a session token, to see that it is redacted).
"""
import argparse
import json
import os
import re
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TEMPLATE = re.compile(r"\{\{(path|target|body|header:[^}]+)\}\}")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.requests = []
        self.connections = 0

    def set_rules(self, rules):
        with self.lock:
            self.rules = [dict(rule, left=rule.get("times", -1)) for rule in rules]
            self.requests = []
            self.connections = 0

    def match(self, method, path, query):
        with self.lock:
            for rule in self.rules:
                if rule["left"] == 0:
                    continue
                if "method" in rule and rule["method"] != method:
                    continue
                if "path" in rule:
                    hit = path.startswith(rule["path"]) if rule.get("prefix") else path == rule["path"]
                    if not hit:
                        continue
                wanted = rule.get("query", {})
                if any(query.get(name) != value for name, value in wanted.items()):
                    continue
                if rule["left"] > 0:
                    rule["left"] -= 1
                return rule
        return None


STATE = State()


def expand(text, handler, path, body=""):
    def one(match):
        what = match.group(1)
        if what == "path":
            return path
        if what == "target":
            return handler.path
        if what == "body":
            return body
        return handler.headers.get(what[len("header:"):], "")
    return TEMPLATE.sub(one, text)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        # Headers and body are two writes: without this, Nagle holds the body until the
        # client's delayed ACK (40 ms a response).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with STATE.lock:
            STATE.connections += 1

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query, keep_blank_values=True).items()}
        with STATE.lock:
            STATE.requests.append({"method": self.command, "target": self.path,
                                   "headers": [[k, v] for k, v in self.headers.items()],
                                   "body": body.decode("latin-1")})
        rule = STATE.match(self.command, path, query)
        if rule is None:
            self.answer(404, {"Content-Type": "text/plain"}, b"no rule\n")
            return
        text = body.decode("utf-8", "replace")
        headers = {k: expand(v, self, path, text) for k, v in rule.get("headers", {}).items()}
        status = rule.get("status", 200)
        if "redirect_to" in rule:
            headers["Location"] = rule["redirect_to"] + self.path
            status = rule.get("status", 307)
        out = expand(rule.get("body", ""), self, path, text).encode("utf-8")
        self.answer(status, headers, out)

    def answer(self, status, headers, body):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, payload):
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "0") or "0")
        STATE.set_rules(json.loads(self.rfile.read(length) or b"[]"))
        self.reply(200, {"ok": True})

    def do_GET(self):
        with STATE.lock:
            self.reply(200, {"connections": STATE.connections, "requests": STATE.requests})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ready-file", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, 0), Handler)
    server.daemon_threads = True
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    control.daemon_threads = True
    threading.Thread(target=control.serve_forever, daemon=True).start()
    temp = args.ready_file + ".tmp"
    with open(temp, "w") as f:
        f.write(f"{server.server_address[1]} {control.server_address[1]}\n")
    os.rename(temp, args.ready_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
