#!/usr/bin/env python3
"""A small Google Cloud Storage JSON API test server (stdlib only, plus the openssl CLI).

It follows Google's documented behaviour for what tiff-dumper uses:
  GET  /storage/v1/b/BUCKET/o?prefix=&maxResults=&pageToken=&fields=&delimiter=&startOffset=&endOffset=   objects.list
  GET  /storage/v1/b/BUCKET/o/OBJECT?alt=media  (Range: bytes=a-b)     media download, 200/206/416
  POST /upload/storage/v1/b/BUCKET/o?uploadType=media&name=OBJECT[&ifGenerationMatch=0]   objects.insert, media upload
  DELETE /storage/v1/b/BUCKET/o/OBJECT                                 objects.delete, 204 / 404
  POST /token   OAuth 2.0 token endpoint: a service account's RS256 JWT assertion
                (urn:ietf:params:oauth:grant-type:jwt-bearer) checked against the public key it
                was given, or an authorized_user refresh_token grant
  GET  /_stats  {"token_requests": n, "requests": n}   (test introspection, not part of GCS)

Objects are the files under --root: ROOT/BUCKET/<object name>. Errors use the JSON API's
{"error": {"code", "message", "errors": [{"reason", ...}]}} shape. Buckets listed in --public
need no Authorization to read; others need a Bearer token issued by /token or given by
--static-token, or listed in --token-file by a credential test server (cred_servers/, e.g. the
GCE metadata server) and not expired. Writes always need a token whose scope allows them (devstorage.read_write,
devstorage.full_control or cloud-platform; a read_only token gets 403 insufficientPermissions,
as Google answers); the static token and refresh-token grants may write.
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cred_servers"))
import issued_tokens  # noqa: E402

ARGS = None
LOCK = threading.Lock()
TOKENS = {}  # token -> (expiry in epoch seconds, scope)
WRITE_SCOPES = ("devstorage.read_write", "devstorage.full_control", "cloud-platform")
STATS = {"token_requests": 0, "requests": 0}
MAX_RESULTS = 1000


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_rs256(signed, signature, public_key_path):
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        sig = os.path.join(tmp, "sig")
        with open(data, "wb") as f:
            f.write(signed)
        with open(sig, "wb") as f:
            f.write(signature)
        result = subprocess.run(["openssl", "dgst", "-sha256", "-verify", public_key_path, "-signature", sig, data],
                                capture_output=True)
        return result.returncode == 0


def object_names(bucket_dir):
    names = []
    for dirpath, _dirs, files in os.walk(bucket_dir):
        for name in files:
            full = os.path.join(dirpath, name)
            names.append(os.path.relpath(full, bucket_dir))
    return sorted(names, key=lambda n: n.encode("utf-8"))


def object_resource(bucket, bucket_dir, name):
    path = os.path.join(bucket_dir, name)
    st = os.stat(path)
    with open(path, "rb") as f:
        md5 = base64.b64encode(hashlib.md5(f.read()).digest()).decode()
    updated = datetime.fromtimestamp(st.st_mtime, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {"kind": "storage#object", "bucket": bucket, "name": name, "size": str(st.st_size), "updated": updated,
            "etag": md5, "md5Hash": md5}


def select_fields(resource, fields):
    """Applies a partial-response selector such as items(name,size),nextPageToken (enough of it)."""
    if not fields:
        return resource
    out = {}
    depth, token, parts = 0, "", []
    for ch in fields:
        if ch == "," and depth == 0:
            parts.append(token)
            token = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        token += ch
    parts.append(token)
    for part in parts:
        if "(" in part:
            key, inner = part[:part.index("(")], part[part.index("(") + 1:-1].split(",")
            if key in resource:
                out[key] = [{k: v for k, v in item.items() if k in inner} for item in resource[key]]
        elif part in resource:
            out[part] = resource[part]
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send_json(self, status, body, extra=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_error_json(self, status, reason, message, extra=None):
        self.send_json(status, {"error": {"code": status, "message": message,
                                          "errors": [{"domain": "global", "reason": reason, "message": message}]}},
                       extra)

    def authorized(self, bucket, write=False):
        if bucket in ARGS.public and not write:
            return True
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            action = "storage.objects.create" if write else "storage.objects.get"
            self.send_error_json(401, "required", f"Anonymous caller does not have {action} access.")
            return False
        token = header[len("Bearer "):]
        if ARGS.static_token and token == ARGS.static_token:
            return True
        with LOCK:
            expiry, scope = TOKENS.get(token, (None, ""))
        if expiry is None and ARGS.token_file:  # issued by a credential test server
            expiry, scope = issued_tokens.lookup(ARGS.token_file, token) or (None, "")
        if expiry is None or expiry <= time.time():
            self.send_error_json(401, "authError", "Invalid Credentials")
            return False
        if write and not any(s in scope for s in WRITE_SCOPES):
            self.send_error_json(403, "insufficientPermissions", "Insufficient Permission")
            return False
        return True

    def object_path(self, bucket_dir, name):
        """The file of an object, or None for a name that would leave the bucket's folder."""
        if not name or name.startswith("/") or ".." in name.split("/") or "\0" in name:
            return None
        return os.path.join(bucket_dir, name)

    def do_GET(self):
        with LOCK:
            STATS["requests"] += 1
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/_stats":
            with LOCK:
                return self.send_json(200, dict(STATS))
        parts = url.path.split("/")
        # ['', 'storage', 'v1', 'b', BUCKET, 'o', OBJECT?]
        if len(parts) < 6 or parts[1:4] != ["storage", "v1", "b"] or parts[5] != "o":
            return self.send_error_json(404, "notFound", "Not Found")
        bucket = urllib.parse.unquote(parts[4])
        bucket_dir = os.path.join(ARGS.root, bucket)
        if not self.authorized(bucket):
            return
        if not os.path.isdir(bucket_dir):
            return self.send_error_json(404, "notFound", "The specified bucket does not exist.")
        if len(parts) == 6:
            return self.list_objects(bucket, bucket_dir, query)
        name = urllib.parse.unquote("/".join(parts[6:]))
        if query.get("alt", [""])[0] != "media":
            path = os.path.join(bucket_dir, name)
            if not os.path.isfile(path):
                return self.send_error_json(404, "notFound", f"No such object: {bucket}/{name}")
            return self.send_json(200, object_resource(bucket, bucket_dir, name))
        return self.media(bucket, bucket_dir, name)

    def list_objects(self, bucket, bucket_dir, query):
        prefix = query.get("prefix", [""])[0]
        try:
            max_results = min(int(query.get("maxResults", [str(MAX_RESULTS)])[0]), MAX_RESULTS)
        except ValueError:
            return self.send_error_json(400, "invalid", "Invalid maxResults")
        if max_results <= 0:
            return self.send_error_json(400, "invalid", "Invalid maxResults")
        start = ""
        token = query.get("pageToken", [""])[0]
        if token:
            try:
                start = b64url_decode(token).decode("utf-8")
            except Exception:
                return self.send_error_json(400, "invalid", "Invalid pageToken")
        # startOffset is inclusive, endOffset exclusive (objects.list reference); both compare bytes.
        start_offset = query.get("startOffset", [""])[0].encode()
        end_offset = query.get("endOffset", [""])[0].encode()
        delimiter = query.get("delimiter", [""])[0]
        entries = []  # (sort name, kind, value): objects, and with a delimiter the prefixes they roll into
        seen_prefixes = set()
        for n in object_names(bucket_dir):
            b = n.encode()
            if not n.startswith(prefix) or b < start.encode() or b < start_offset:
                continue
            if end_offset and b >= end_offset:
                continue
            rest = n[len(prefix):]
            if delimiter and delimiter in rest:
                p = prefix + rest[:rest.index(delimiter) + len(delimiter)]
                if p not in seen_prefixes:
                    seen_prefixes.add(p)
                    entries.append((n, "prefix", p))
                continue
            entries.append((n, "item", n))
        page, rest = entries[:max_results], entries[max_results:]
        items = [object_resource(bucket, bucket_dir, v) for (_, kind, v) in page if kind == "item"]
        prefixes = [v for (_, kind, v) in page if kind == "prefix"]
        body = {"kind": "storage#objects"}
        if items:
            body["items"] = items
        if prefixes:
            body["prefixes"] = prefixes
        if rest:
            # The next page starts at the next entry's first object; a prefix already given is
            # skipped by name on the next page only if all its objects were before it (as on GCS,
            # a prefix may repeat across pages).
            body["nextPageToken"] = base64.urlsafe_b64encode(rest[0][0].encode()).decode().rstrip("=")
        self.send_json(200, select_fields(body, query.get("fields", [""])[0]))

    def media(self, bucket, bucket_dir, name):
        path = os.path.join(bucket_dir, name)
        if not os.path.isfile(path):
            return self.send_error_json(404, "notFound", f"No such object: {bucket}/{name}")
        with open(path, "rb") as f:
            data = f.read()
        size = len(data)
        header = self.headers.get("Range")
        status, first, last = 200, 0, size - 1
        if header and header.startswith("bytes="):
            spec = header[len("bytes="):]
            a, _, b = spec.partition("-")
            first = int(a)
            last = min(int(b), size - 1) if b else size - 1
            if first >= size:
                return self.send_error_json(416, "requestedRangeNotSatisfiable", "Request range not satisfiable",
                                            {"Content-Range": f"bytes */{size}"})
            status = 206
        body = data[first:last + 1]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.end_headers()
        self.wfile.write(body)

    def do_DELETE(self):
        with LOCK:
            STATS["requests"] += 1
            STATS["deletes"] = STATS.get("deletes", 0) + 1
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        if len(parts) < 7 or parts[1:4] != ["storage", "v1", "b"] or parts[5] != "o":
            return self.send_error_json(404, "notFound", "Not Found")
        bucket = urllib.parse.unquote(parts[4])
        bucket_dir = os.path.join(ARGS.root, bucket)
        if not self.authorized(bucket, write=True):
            return
        if not os.path.isdir(bucket_dir):
            return self.send_error_json(404, "notFound", "The specified bucket does not exist.")
        name = urllib.parse.unquote("/".join(parts[6:]))
        path = self.object_path(bucket_dir, name)
        if path is None or not os.path.isfile(path):
            return self.send_error_json(404, "notFound", f"No such object: {bucket}/{name}")
        os.unlink(path)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def upload(self, url, body):
        """objects.insert with uploadType=media: the body is the whole object."""
        parts = url.path.split("/")
        # ['', 'upload', 'storage', 'v1', 'b', BUCKET, 'o']
        if len(parts) != 7 or parts[2:5] != ["storage", "v1", "b"] or parts[6] != "o":
            return self.send_error_json(404, "notFound", "Not Found")
        bucket = urllib.parse.unquote(parts[5])
        bucket_dir = os.path.join(ARGS.root, bucket)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if not self.authorized(bucket, write=True):
            return
        if not os.path.isdir(bucket_dir):
            return self.send_error_json(404, "notFound", "The specified bucket does not exist.")
        if query.get("uploadType", [""])[0] != "media":
            return self.send_error_json(400, "invalid", "uploadType must be media here")
        name = query.get("name", [""])[0]
        path = self.object_path(bucket_dir, name)
        if path is None:
            return self.send_error_json(400, "required", "Required parameter: name" if not name else "Invalid object name")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = f"{path}.upload-{secrets.token_hex(4)}"
        with open(temp, "wb") as f:
            f.write(body)
        # ifGenerationMatch=0: create only (a live object fails the precondition with 412).
        if query.get("ifGenerationMatch", [None])[0] == "0":
            try:
                os.link(temp, path)  # atomic: exactly one of several writers creates the object
            except FileExistsError:
                os.unlink(temp)
                return self.send_error_json(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.")
            os.unlink(temp)
        else:
            os.replace(temp, path)  # readers see the old object or the new one
        with LOCK:
            STATS["uploads"] = STATS.get("uploads", 0) + 1
        self.send_json(200, object_resource(bucket, bucket_dir, name))

    def do_POST(self):
        with LOCK:
            STATS["requests"] += 1
        length = int(self.headers.get("Content-Length", "0"))
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/upload/"):
            return self.upload(url, self.rfile.read(length))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        if url.path != "/token":
            return self.send_error_json(404, "notFound", "Not Found")
        with LOCK:
            STATS["token_requests"] += 1
        grant = form.get("grant_type", [""])[0]
        scope = "https://www.googleapis.com/auth/devstorage.read_write"  # a user's consented scope
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            problem, scope = self.check_assertion(form.get("assertion", [""])[0])
        elif grant == "refresh_token":
            ok = (form.get("client_id", [""])[0] == ARGS.client_id and ARGS.client_id and
                  form.get("client_secret", [""])[0] == ARGS.client_secret and
                  form.get("refresh_token", [""])[0] == ARGS.refresh_token)
            problem = None if ok else "bad refresh token"
        else:
            problem = "unsupported grant_type"
        if problem:
            return self.send_json(400, {"error": "invalid_grant", "error_description": problem})
        token = "ya29.test-" + secrets.token_hex(16)
        with LOCK:
            TOKENS[token] = (time.time() + ARGS.token_lifetime, scope)
        self.send_json(200, {"access_token": token, "expires_in": ARGS.token_lifetime, "token_type": "Bearer"})

    def check_assertion(self, assertion):
        pieces = assertion.split(".")
        if len(pieces) != 3:
            return "malformed JWT", ""
        try:
            header = json.loads(b64url_decode(pieces[0]))
            claims = json.loads(b64url_decode(pieces[1]))
            signature = b64url_decode(pieces[2])
        except Exception:
            return "malformed JWT", ""
        if header.get("alg") != "RS256":
            return "alg must be RS256", ""
        if not ARGS.public_key or not verify_rs256((pieces[0] + "." + pieces[1]).encode(), signature, ARGS.public_key):
            return "Invalid JWT Signature.", ""
        now = time.time()
        if claims.get("iss") != ARGS.client_email:
            return "unknown issuer", ""
        if claims.get("aud") != f"http://127.0.0.1:{ARGS.port}/token":
            return "bad audience", ""
        if "devstorage" not in claims.get("scope", ""):
            return "bad scope", ""
        iat, exp = claims.get("iat", 0), claims.get("exp", 0)
        if not (iat - 300 <= now <= exp) or exp - iat > 3600:
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.", ""
        return None, claims.get("scope", "")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--public-key", default="")
    parser.add_argument("--client-email", default="")
    parser.add_argument("--client-id", default="")
    parser.add_argument("--client-secret", default="")
    parser.add_argument("--refresh-token", default="")
    parser.add_argument("--static-token", default="")
    parser.add_argument("--public", action="append", default=[])
    parser.add_argument("--token-lifetime", type=int, default=3600)
    parser.add_argument("--token-file", default="", help="also accept the tokens listed there (issued_tokens.py)")
    ARGS = parser.parse_args()
    ThreadingHTTPServer.request_queue_size = 256  # many clients connect at once; don't drop SYNs
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
