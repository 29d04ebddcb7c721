"""Shared plumbing of the credential test servers: a threading HTTP/1.1 server on 127.0.0.1,
JSON answers, request counters at GET /_stats (test introspection, not part of any protocol)."""
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {}


def count(name):
    with LOCK:
        STATS[name] = STATS.get(name, 0) + 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send_body(self, status, body, content_type, extra=None):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status, body, extra=None):
        self.send_body(status, json.dumps(body), "application/json; charset=utf-8", extra)

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(length) if length > 0 else b""

    def read_form(self):
        """The form fields of an application/x-www-form-urlencoded body (each name once), or None."""
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return None
        pairs = urllib.parse.parse_qsl(self.read_body().decode(), keep_blank_values=True)
        form = {}
        for k, v in pairs:
            if k in form:
                return None
            form[k] = v
        return form

    def split(self):
        url = urllib.parse.urlsplit(self.path)
        return url.path, dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))

    def stats(self):
        with LOCK:
            return self.send_json(200, dict(STATS))


def serve(port, handler):
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.serve_forever()
