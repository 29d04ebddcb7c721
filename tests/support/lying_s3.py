#!/usr/bin/env python3
"""A small S3 server whose listing says what the test tells it to: sizes, dates and ETags that
no real bucket has, keys of any length, and object GETs that stall. Standard library only.

    lying_s3.py --port P --spec SPEC.json

It answers, path-style, for one bucket:

    GET /BUCKET?list-type=2[&prefix=P][&continuation-token=T][&max-keys=N][&encoding-type=url]
        ListObjectsV2 (the AWS S3 API reference): <Contents> with <Key>, <Size>, <LastModified>,
        <ETag> exactly as the spec gives them (text, not checked), pages of min(max-keys,
        page_size) keys, <IsTruncated> and <NextContinuationToken> (the index of the next key).
        With encoding-type=url the keys are percent-encoded and <EncodingType>url</EncodingType>
        is sent, as S3 does.
    GET /BUCKET/KEY with "Range: bytes=A-B"
        206 with Content-Range from the object's file, 416 past its end, 404 for an unknown key.
        With "stall_gets": S the answer is delayed S seconds (the connection stays open).
    HEAD /BUCKET  200.

SPEC.json:
    {"bucket": "b", "page_size": 1000, "stall_gets": 0,
     "objects": [{"key": "a/1.tif", "key_hex": "...", "size": "1234", "last_modified": "...",
                  "etag": "...", "file": "/path/real.tif"}, ...],
     "generate": {"count": N, "key_bytes": K, "prefix": "gen/", "file": "/path/real.tif"}}
    `key_hex` (raw bytes, hex) replaces `key` for keys that are not UTF-8. `size` defaults to
    the file's size, `last_modified` to 2024-01-02T03:04:05.000Z, `etag` to "e<index>".
    `generate` (instead of `objects`) lists N keys of exactly K bytes (".tif" at the end), made
    as they are listed, all served from one file.
"""
import argparse
import json
import os
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


class Store:
    def __init__(self, spec):
        self.bucket = spec["bucket"]
        self.page_size = int(spec.get("page_size", 1000))
        self.stall = float(spec.get("stall_gets", 0))
        self.objects = []  # (key bytes, size text, last_modified text, etag text, file)
        for i, o in enumerate(spec.get("objects", [])):
            key = bytes.fromhex(o["key_hex"]) if "key_hex" in o else o["key"].encode()
            size = o.get("size", os.path.getsize(o["file"]) if "file" in o else 0)
            self.objects.append((key, str(size), o.get("last_modified", "2024-01-02T03:04:05.000Z"),
                                 o.get("etag", f'"e{i}"'), o.get("file")))
        self.objects.sort(key=lambda o: o[0])
        self.by_key = {o[0]: o for o in self.objects}
        # Generated keys are made when listed, not held: millions of long keys cost no memory here.
        gen = spec.get("generate")
        self.generated = 0
        if gen:
            if self.objects:
                raise SystemExit("lying_s3.py: give either objects or generate, not both")
            self.generated = int(gen["count"])
            self.gen_file = gen["file"]
            self.gen_size = str(os.path.getsize(gen["file"]))
            self.gen_prefix = gen.get("prefix", "gen/").encode()
            self.gen_width = int(gen["key_bytes"]) - len(self.gen_prefix) - len(b".tif")

    def count(self):
        return self.generated or len(self.objects)

    def at(self, index):
        if not self.generated:
            return self.objects[index]
        stem = str(index).rjust(8, "0").encode()
        key = self.gen_prefix + stem + b"x" * max(0, self.gen_width - len(stem)) + b".tif"
        return (key, self.gen_size, "2024-01-02T03:04:05.000Z", f'"g{index}"', self.gen_file)

    def find(self, key):
        if not self.generated:
            return self.by_key.get(key)
        if not key.startswith(self.gen_prefix):
            return None
        try:
            index = int(key[len(self.gen_prefix):len(self.gen_prefix) + 8])
        except ValueError:
            return None
        return self.at(index) if 0 <= index < self.generated and self.at(index)[0] == key else None


STORE = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.send(200)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/", 2)
        if len(parts) < 2 or parts[1] != STORE.bucket:
            return self.send(404, b"<Error><Code>NoSuchBucket</Code></Error>")
        if len(parts) == 2 or parts[2] == "":
            return self.list(urllib.parse.parse_qs(url.query, keep_blank_values=True))
        return self.get(urllib.parse.unquote_to_bytes(parts[2]))

    def list(self, query):
        prefix = urllib.parse.unquote_to_bytes(query.get("prefix", [""])[0])
        start = int(query.get("continuation-token", ["0"])[0] or 0)
        max_keys = int(query.get("max-keys", ["1000"])[0] or 1000)
        encode = query.get("encoding-type", [""])[0] == "url"
        limit = min(max_keys, STORE.page_size)
        chosen = []
        index = start
        if STORE.generated:  # every generated key starts with the generator's prefix
            if STORE.gen_prefix.startswith(prefix):
                chosen = [STORE.at(i) for i in range(start, min(start + limit, STORE.generated))]
            index = start + len(chosen) if chosen else STORE.generated
            truncated = index < STORE.generated
        else:
            while index < len(STORE.objects) and len(chosen) < limit:
                if STORE.objects[index][0].startswith(prefix):
                    chosen.append(STORE.objects[index])
                index += 1
            truncated = any(o[0].startswith(prefix) for o in STORE.objects[index:])
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
               f"<Name>{STORE.bucket}</Name><KeyCount>{len(chosen)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>"]
        if encode:
            out.append("<EncodingType>url</EncodingType>")
        for key, size, modified, etag, _ in chosen:
            shown = urllib.parse.quote(key, safe="/") if encode else escape(key.decode("utf-8", "replace"))
            out.append(f"<Contents><Key>{shown}</Key><LastModified>{escape(modified)}</LastModified>"
                       f"<ETag>{escape(etag)}</ETag><Size>{escape(size)}</Size>"
                       "<StorageClass>STANDARD</StorageClass></Contents>")
        out.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
        if truncated:
            out.append(f"<NextContinuationToken>{index}</NextContinuationToken>")
        out.append("</ListBucketResult>")
        self.send(200, "".join(out).encode(), [("Content-Type", "application/xml")])

    def get(self, key):
        obj = STORE.find(key)
        if obj is None or obj[4] is None:
            return self.send(404, b"<Error><Code>NoSuchKey</Code></Error>", [("Content-Type", "application/xml")])
        if STORE.stall > 0:
            time.sleep(STORE.stall)
        with open(obj[4], "rb") as f:
            data = f.read()
        header = self.headers.get("Range", "")
        if not header.startswith("bytes="):
            return self.send(200, data)
        first, _, last = header[6:].partition("-")
        first = int(first)
        last = min(int(last) if last else len(data) - 1, len(data) - 1)
        if first >= len(data):
            return self.send(416, b"", [("Content-Range", f"bytes */{len(data)}")])
        self.send(206, data[first:last + 1], [("Content-Range", f"bytes {first}-{last}/{len(data)}")])


def main():
    global STORE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    with open(args.spec) as f:
        STORE = Store(json.load(f))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
