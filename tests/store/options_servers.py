#!/usr/bin/env python3
"""Servers of our own for the client-option tests (tests/store/options_wire_test.cpp). Standard
library only; bound to 127.0.0.1.

    options_servers.py proxy --port P
        A forward HTTP proxy (RFC 9112 section 3.2.2: a request to a proxy carries the absolute
        URI). Each request "GET http://HOST:PORT/PATH" is counted and forwarded to HOST:PORT with
        its method, headers and body; the answer is passed back. No CONNECT (https targets are
        not needed). A request for a plain path ("GET /__count") is answered by the proxy itself:
        {"requests": N, "targets": ["http://HOST:PORT/PATH", ...]}.

    options_servers.py s3 --port P --bucket B --object KEY=FILE [--sse-key BASE64]
                          [--tls-cert CERT --tls-key KEY]
        A path-style S3 GetObject (the AWS S3 API reference) for the given objects: "GET /B/KEY"
        with "Range: bytes=A-B" answers 206 with Content-Range. With --sse-key the object is one
        "stored with SSE-C": a GET must carry x-amz-server-side-encryption-customer-algorithm
        AES256, -customer-key equal to the key and -customer-key-MD5 equal to the base64 MD5 of
        the decoded key, else 400 InvalidRequest / 403 AccessDenied as S3 answers. Every request's
        headers are recorded; "GET /__requests" returns them as JSON (for the test's checks).
        With --tls-cert/--tls-key it speaks HTTPS only.
"""
import argparse
import base64
import hashlib
import http.client
import json
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade"}


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    count = 0
    targets = []

    def log_message(self, *args):
        pass

    def _forward(self):
        if not self.path.startswith("http://"):
            if self.path == "/__count":
                with ProxyHandler.lock:
                    body = json.dumps({"requests": ProxyHandler.count, "targets": ProxyHandler.targets}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_error(400, "absolute URI expected")
            return
        with ProxyHandler.lock:
            ProxyHandler.count += 1
            ProxyHandler.targets.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        target = url.path + ("?" + url.query if url.query else "")
        conn.request(self.command, target, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        self.send_response(answer.status, answer.reason)
        for k, v in answer.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward


class S3Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    requests = []
    bucket = ""
    objects = {}
    sse_key = None

    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type="application/xml", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status, code, message):
        body = f"<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        self._send(status, body)

    def do_GET(self):
        if self.path == "/__requests":
            with S3Handler.lock:
                body = json.dumps(S3Handler.requests).encode()
            self._send(200, body, "application/json")
            return
        with S3Handler.lock:
            S3Handler.requests.append({"method": self.command, "path": self.path,
                                       "headers": {k.lower(): v for k, v in self.headers.items()}})
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        prefix = "/" + S3Handler.bucket + "/"
        if not path.startswith(prefix) or path[len(prefix):] not in S3Handler.objects:
            self._error(404, "NoSuchKey", "The specified key does not exist.")
            return
        if S3Handler.sse_key is not None:
            algorithm = self.headers.get("x-amz-server-side-encryption-customer-algorithm")
            key = self.headers.get("x-amz-server-side-encryption-customer-key")
            md5 = self.headers.get("x-amz-server-side-encryption-customer-key-MD5")
            if algorithm is None or key is None or md5 is None:
                self._error(400, "InvalidRequest", "The object was stored using a form of Server Side "
                            "Encryption. The correct parameters must be provided to retrieve the object.")
                return
            try:
                raw = base64.b64decode(key, validate=True)
            except ValueError:
                raw = b""
            expected_md5 = base64.b64encode(hashlib.md5(raw).digest()).decode()
            if algorithm != "AES256" or md5 != expected_md5:
                self._error(400, "InvalidArgument", "The calculated MD5 hash of the key did not match the hash "
                            "that was provided.")
                return
            if key != S3Handler.sse_key:
                self._error(403, "AccessDenied", "Access Denied")
                return
        data = S3Handler.objects[path[len(prefix):]]
        first, last = 0, len(data) - 1
        status = 200
        extra = []
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            a, _, b = rng[6:].partition("-")
            first = int(a)
            last = min(int(b), len(data) - 1) if b else len(data) - 1
            if first >= len(data):
                self._error(416, "InvalidRange", "The requested range is not satisfiable")
                return
            status = 206
            extra.append(("Content-Range", f"bytes {first}-{last}/{len(data)}"))
        extra.append(("ETag", '"e1"'))
        extra.append(("Last-Modified", "Tue, 02 Jan 2024 03:04:05 GMT"))
        self._send(status, data[first:last + 1], "application/octet-stream", extra)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["proxy", "s3"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bucket", default="bkt")
    parser.add_argument("--object", action="append", default=[])
    parser.add_argument("--sse-key")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    if args.mode == "proxy":
        server = ThreadingHTTPServer(("127.0.0.1", args.port), ProxyHandler)
    else:
        S3Handler.bucket = args.bucket
        for spec in args.object:
            key, _, path = spec.partition("=")
            with open(path, "rb") as f:
                S3Handler.objects[key] = f.read()
        S3Handler.sse_key = args.sse_key
        server = ThreadingHTTPServer(("127.0.0.1", args.port), S3Handler)
        if args.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(args.tls_cert, args.tls_key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
