#!/usr/bin/env python3
"""AWS credential endpoints and an S3 data server that accepts only what they issued (stdlib only).

One process runs six HTTP servers on 127.0.0.1, each on a port of its own (bound to port 0; the
ports are written as JSON to --ports-file once all listen). They share one table of issued
credentials, so the data server can tell which source a request's key came from.

  imds       EC2 instance metadata, IMDSv2 (EC2 User Guide, "Use IMDSv2"):
             PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds (1..21600) -> token;
             GET /latest/meta-data/iam/security-credentials/ -> the role name;
             GET /latest/meta-data/iam/security-credentials/ROLE -> credentials JSON
             (Code, LastUpdated, Type, AccessKeyId, SecretAccessKey, Token, Expiration).
             GETs need a valid X-aws-ec2-metadata-token (401 without), unless IMDSv1 is allowed.
  container  ECS task-role / EKS Pod Identity endpoint (SDKs and Tools Reference Guide, "Container
             credential provider"): GET of any path -> credentials JSON (AccessKeyId,
             SecretAccessKey, Token, Expiration); the Authorization header must equal the
             configured token when one is configured (401 otherwise).
  sso        IAM Identity Center portal, GetRoleCredentials (Portal API Reference):
             GET /federation/credentials?account_id=&role_name= with x-amz-sso_bearer_token ->
             {"roleCredentials": {accessKeyId, secretAccessKey, sessionToken, expiration (ms)}}.
  sts        AWS STS (STS API Reference), POST of a form body, Version 2011-06-15:
             AssumeRoleWithWebIdentity (unsigned; WebIdentityToken must equal the configured JWT)
             and AssumeRole (SigV4 with service "sts", verified against the issued credentials
             and the static keys), answering XML; errors as <ErrorResponse><Error>.
  data       S3, path style: ListObjectsV2 (list-type=2, prefix, max-keys, continuation-token,
             encoding-type=url) and GetObject with Range over the files under --root/BUCKET.
             Every request must carry a valid SigV4 signature (service "s3", x-amz-content-sha256)
             by a key this process issued (or a --static-key); expired keys get 400 ExpiredToken,
             unknown ones 403 InvalidAccessKeyId, a wrong token 400 InvalidToken, a wrong
             signature 403 SignatureDoesNotMatch.
  admin      GET /state -> {"issued": [...], "accepted": {key: n} (data server requests),
             "rejected": [...] (data server and STS),
             "requests": {name: n}}; POST /config with a JSON object changes the settings below.

Settings (POST /config): lifetime (seconds of every credential issued), imds_token_status (answer
the token PUT with this status instead, e.g. 403), imdsv1 (serve GETs without a token),
imds_role, container_token, sso_token, sso_account, sso_role, web_identity_token,
redirect (a server name whose answers are 307 redirects to the data server), fail
({server name: [status, count]}), data_delay_ms (each object GET of the data server waits this
long first, without holding up other requests: a long run of a few keys).
/state also lists each issued key's secret and token, so that tests can look for them in outputs.
"""
import argparse
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

LOCK = threading.Lock()
CONFIG = {
    "lifetime": 3600,
    "imds_token_status": 200,
    "imdsv1": False,
    "imds_role": "tiff-dumper-test-role",
    "container_token": "",
    "sso_token": "",
    "sso_account": "111122223333",
    "sso_role": "ReadOnly",
    "web_identity_token": "",
    "redirect": "",
    "fail": {},
    "data_delay_ms": 0,
}
ISSUED = {}  # key id -> {"secret", "token", "expires" (epoch s, or None), "source"}
IMDS_TOKENS = {}  # token -> expiry epoch s
ACCEPTED = {}  # key id -> count
REJECTED = []  # {"key", "code"}
REQUESTS = {}  # "imds_token", "imds_role", "imds_credentials", "container", "sso", "sts_web", "sts_assume", ...
PORTS = {}
ROOT = "."


def iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def count(name):
    with LOCK:
        REQUESTS[name] = REQUESTS.get(name, 0) + 1


def issue(source):
    """A fresh temporary credential whose key id names its source."""
    tag = "".join(c for c in source.upper() if c.isalnum())[:8]
    key = "ASIA" + tag + secrets.token_hex(6).upper()
    secret = secrets.token_urlsafe(30)
    token = "FQoG" + secrets.token_urlsafe(60)
    with LOCK:
        lifetime = CONFIG["lifetime"]
        expires = int(time.time()) + int(lifetime)
        ISSUED[key] = {"secret": secret, "token": token, "expires": expires, "source": source}
    return key, secret, token, expires


def take_failure(server):
    """(status, remaining) when `server` is configured to fail its next requests."""
    with LOCK:
        fail = CONFIG["fail"].get(server)
        if not fail or fail[1] <= 0:
            return None
        fail[1] -= 1
        return fail[0]


def aws_quote(text):
    return urllib.parse.quote(text, safe="-_.~")


def canonical_query(raw_query):
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _, value = part.partition("=")
        pairs.append((aws_quote(urllib.parse.unquote(name)), aws_quote(urllib.parse.unquote(value))))
    pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


def signing_key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    k = hmac.new(k, region.encode(), hashlib.sha256).digest()
    k = hmac.new(k, service.encode(), hashlib.sha256).digest()
    return hmac.new(k, b"aws4_request", hashlib.sha256).digest()


def verify_sigv4(handler, service, raw_path, raw_query, payload_hash):
    """None when the request is signed by a known, valid credential, else (status, code, message).
    On success handler.key_id is set."""
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return 403, "AccessDenied", "Access Denied"
    fields = {}
    for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    try:
        key_id, date, region, scope_service, terminator = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        signature = fields["Signature"]
    except (KeyError, ValueError):
        return 400, "AuthorizationHeaderMalformed", "The authorization header is malformed"
    handler.key_id = key_id
    with LOCK:
        entry = ISSUED.get(key_id)
    if entry is None:
        return 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
    if entry["expires"] is not None and time.time() > entry["expires"]:
        return 400, "ExpiredToken", "The provided token has expired."
    if entry["token"] and handler.headers.get("x-amz-security-token") != entry["token"]:
        return 400, "InvalidToken", "The provided token is malformed or otherwise invalid."
    if scope_service != service or terminator != "aws4_request":
        return 403, "SignatureDoesNotMatch", "Credential scope does not match the service"
    amz_date = handler.headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return 403, "AccessDenied", "x-amz-date is missing or malformed"
    if abs(time.time() - signed_at) > 15 * 60:
        return 403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
    if "host" not in signed:
        return 403, "SignatureDoesNotMatch", "host must be signed"
    canonical_headers = ""
    for name in signed:
        value = handler.headers.get(name)
        if value is None:
            return 403, "SignatureDoesNotMatch", "a signed header is missing"
        canonical_headers += name + ":" + " ".join(value.strip().split()) + "\n"
    canonical = "\n".join([handler.command, raw_path, canonical_query(raw_query), canonical_headers,
                           ";".join(signed), payload_hash])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    expected = hmac.new(signing_key(entry["secret"], date, region, service), to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
    return None


class Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_name = ""
    key_id = ""

    def log_message(self, fmt, *args):  # quiet: the tests read /state instead
        pass

    def send(self, status, body=b"", content_type="application/json", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 1 << 20:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def intercepted(self):
        """Configured redirects and failures, before the real answer."""
        with LOCK:
            redirect = CONFIG["redirect"] == self.server_name
        if redirect:
            self.send(307, b"", headers={"Location": f"http://127.0.0.1:{PORTS['data']}/stolen{self.path}"})
            return True
        status = take_failure(self.server_name)
        if status:
            self.send(status, json.dumps({"code": "Injected", "message": "injected failure"}))
            return True
        return False


def credentials_json(source, code=True):
    key, secret, token, expires = issue(source)
    doc = {"AccessKeyId": key, "SecretAccessKey": secret, "Token": token, "Expiration": iso(expires)}
    if code:
        doc.update({"Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC"})
    return json.dumps(doc)


class Imds(Base):
    server_name = "imds"
    ROLES = "/latest/meta-data/iam/security-credentials/"

    def do_PUT(self):
        if self.path != "/latest/api/token":
            return self.send(404, "")
        count("imds_token")
        if self.intercepted():
            return
        with LOCK:
            status = CONFIG["imds_token_status"]
        if status != 200:
            return self.send(status, "", "text/plain")
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.send(400, "", "text/plain")
        token = secrets.token_urlsafe(40)
        with LOCK:
            IMDS_TOKENS[token] = time.time() + int(ttl)
        self.send(200, token, "text/plain", {"X-aws-ec2-metadata-token-ttl-seconds": ttl})

    def authorized(self):
        token = self.headers.get("X-aws-ec2-metadata-token")
        with LOCK:
            if token is None:
                return CONFIG["imdsv1"]
            return IMDS_TOKENS.get(token, 0) > time.time()

    def do_GET(self):
        if not self.path.startswith(self.ROLES):
            return self.send(404, "")
        role = self.path[len(self.ROLES):]
        count("imds_credentials" if role else "imds_role")
        if self.intercepted():
            return
        if not self.authorized():
            return self.send(401, "", "text/plain")
        with LOCK:
            configured = CONFIG["imds_role"]
        if not role:
            return self.send(200, configured, "text/plain")
        if urllib.parse.unquote(role) != configured:
            return self.send(404, "", "text/plain")
        self.send(200, credentials_json("imds"))


class Container(Base):
    server_name = "container"

    def do_GET(self):
        count("container")
        if self.intercepted():
            return
        with LOCK:
            expected = CONFIG["container_token"]
        if expected and self.headers.get("Authorization") != expected:
            return self.send(401, json.dumps({"code": "AccessDeniedException", "message": "Unauthorized"}))
        source = "eks" if self.path.startswith("/v1/") else "ecs"
        self.send(200, credentials_json(source, code=False))


class Sso(Base):
    server_name = "sso"

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/federation/credentials":
            return self.send(404, "")
        count("sso")
        if self.intercepted():
            return
        query = dict(urllib.parse.parse_qsl(url.query))
        with LOCK:
            token, account, role = CONFIG["sso_token"], CONFIG["sso_account"], CONFIG["sso_role"]
        if not token or self.headers.get("x-amz-sso_bearer_token") != token:
            return self.send(401, json.dumps({"message": "Session token not found or invalid"}),
                             headers={"x-amzn-ErrorType": "UnauthorizedException"})
        if query.get("account_id") != account or query.get("role_name") != role:
            return self.send(403, json.dumps({"message": "No access"}),
                             headers={"x-amzn-ErrorType": "ForbiddenException"})
        key, secret, session, expires = issue("sso")
        self.send(200, json.dumps({"roleCredentials": {"accessKeyId": key, "secretAccessKey": secret,
                                                       "sessionToken": session, "expiration": expires * 1000}}))


def sts_error(handler, status, code, message):
    body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{secrets.token_hex(8)}</RequestId></ErrorResponse>")
    handler.send(status, body, "text/xml")


class Sts(Base):
    server_name = "sts"

    def do_POST(self):
        raw = self.body()
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        action = form.get("Action")
        count("sts_" + str(action))
        if self.intercepted():
            return
        if form.get("Version") != "2011-06-15" or not form.get("RoleArn", "").startswith("arn:aws:iam::"):
            return sts_error(self, 400, "ValidationError", "Version and RoleArn are required")
        session = form.get("RoleSessionName", "")
        if not 2 <= len(session) <= 64:
            return sts_error(self, 400, "ValidationError", "RoleSessionName must have 2 to 64 characters")
        if action == "AssumeRoleWithWebIdentity":
            with LOCK:
                expected = CONFIG["web_identity_token"]
            if not expected or form.get("WebIdentityToken") != expected:
                # Never echo the token back (a real STS does not either).
                return sts_error(self, 400, "InvalidIdentityToken", "Couldn't verify the web identity token")
            source = "web"
        elif action == "AssumeRole":
            url = urllib.parse.urlsplit(self.path)
            failure = verify_sigv4(self, "sts", url.path, url.query, hashlib.sha256(raw).hexdigest())
            if failure:
                with LOCK:
                    REJECTED.append({"key": self.key_id, "code": failure[1], "server": "sts"})
                status, code, message = failure
                code = {"InvalidAccessKeyId": "InvalidClientTokenId"}.get(code, code)
                return sts_error(self, status, code, message)
            count("sts_signature_accepted")  # ACCEPTED counts the data server's requests only
            source = "role"
        else:
            return sts_error(self, 400, "InvalidAction", "unknown action")
        key, secret, token, expires = issue(source)
        result = action + "Result"
        body = (f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{result}>'
                f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
                f"<SessionToken>{token}</SessionToken><Expiration>{iso(expires)}</Expiration></Credentials>"
                f"<AssumedRoleUser><Arn>{escape(form['RoleArn'])}/{escape(session)}</Arn></AssumedRoleUser>"
                f"</{result}></{action}Response>")
        self.send(200, body, "text/xml")


def s3_error(handler, status, code, message):
    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message><RequestId>{secrets.token_hex(8)}</RequestId></Error>")
    handler.send(status, body, "application/xml")


class Data(Base):
    server_name = "data"

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        count("data")
        payload = self.headers.get("x-amz-content-sha256")
        if payload is None:
            return s3_error(self, 400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        failure = verify_sigv4(self, "s3", url.path, url.query, payload)
        if failure:
            with LOCK:
                REJECTED.append({"key": self.key_id, "code": failure[1], "server": "data"})
            return s3_error(self, *failure)
        with LOCK:
            ACCEPTED[self.key_id] = ACCEPTED.get(self.key_id, 0) + 1
        parts = url.path.lstrip("/").split("/", 1)
        bucket = urllib.parse.unquote(parts[0])
        bucket_dir = os.path.join(ROOT, bucket)
        if not bucket or "/" in bucket or bucket.startswith(".") or not os.path.isdir(bucket_dir):
            return s3_error(self, 404, "NoSuchBucket", "The specified bucket does not exist")
        if len(parts) == 1 or parts[1] == "":
            return self.list_objects(bucket_dir, dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)))
        key = urllib.parse.unquote(parts[1])
        path = os.path.realpath(os.path.join(bucket_dir, key))
        if not path.startswith(os.path.realpath(bucket_dir) + os.sep) or not os.path.isfile(path):
            return s3_error(self, 404, "NoSuchKey", "The specified key does not exist.")
        with LOCK:
            delay = CONFIG["data_delay_ms"]
        if delay:
            time.sleep(delay / 1000)
        self.get_object(path)

    def list_objects(self, bucket_dir, query):
        if query.get("list-type") != "2":
            return s3_error(self, 400, "InvalidArgument", "only ListObjectsV2 is served")
        prefix = query.get("prefix", "")
        max_keys = max(1, min(1000, int(query.get("max-keys", "1000"))))
        # ListObjectsV2: continuation-token (here: the last key or prefix of the previous page),
        # else start-after; delimiter rolls keys up into CommonPrefixes, each counted once.
        after = query.get("continuation-token", "") or query.get("start-after", "")
        delimiter = query.get("delimiter", "")
        keys = []
        for directory, _, files in os.walk(bucket_dir):
            for name in files:
                key = os.path.relpath(os.path.join(directory, name), bucket_dir).replace(os.sep, "/")
                if key.startswith(prefix) and key.encode() > after.encode():
                    keys.append(key)
        keys.sort(key=lambda k: k.encode())
        entries = []  # (name, is_prefix), in order
        for key in keys:
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if cut >= 0:
                rolled = key[:cut + len(delimiter)]
                if rolled.encode() <= after.encode() or (entries and entries[-1] == (rolled, True)):
                    continue
                entries.append((rolled, True))
            else:
                entries.append((key, False))
        page, truncated = entries[:max_keys], len(entries) > max_keys
        url_encoding = query.get("encoding-type") == "url"
        out = ['<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
               f"<Name>{escape(os.path.basename(bucket_dir))}</Name><Prefix>{escape(prefix)}</Prefix>",
               f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
               f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"]
        if url_encoding:
            out.append("<EncodingType>url</EncodingType>")
        if truncated:
            last = page[-1][0]
            # The token must sort after everything under a rolled-up prefix.
            out.append(f"<NextContinuationToken>{escape(last + chr(0x10FFFF) if page[-1][1] else last)}"
                       "</NextContinuationToken>")
        for name, is_prefix in page:
            shown = urllib.parse.quote(name, safe="/") if url_encoding else name
            if is_prefix:
                out.append(f"<CommonPrefixes><Prefix>{escape(shown)}</Prefix></CommonPrefixes>")
                continue
            path = os.path.join(bucket_dir, name)
            stat = os.stat(path)
            etag = hashlib.md5(open(path, "rb").read()).hexdigest()
            out.append(f"<Contents><Key>{escape(shown)}</Key><LastModified>{iso(stat.st_mtime)}</LastModified>"
                       f"<ETag>&quot;{etag}&quot;</ETag><Size>{stat.st_size}</Size>"
                       "<StorageClass>STANDARD</StorageClass></Contents>")
        out.append("</ListBucketResult>")
        self.send(200, "".join(out), "application/xml")

    def get_object(self, path):
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            data = f.read()
        etag = '"' + hashlib.md5(data).hexdigest() + '"'
        spec = self.headers.get("Range")
        if not spec:
            return self.send(200, data, "application/octet-stream", {"ETag": etag})
        first_text, _, last_text = spec.replace("bytes=", "").partition("-")
        first = int(first_text)
        last = min(int(last_text) if last_text else size - 1, size - 1)
        if first >= size:
            return self.send(416, (f"<Error><Code>InvalidRange</Code><Message>The requested range is not "
                                   f"satisfiable</Message><ActualObjectSize>{size}</ActualObjectSize></Error>"),
                             "application/xml", {"Content-Range": f"bytes */{size}"})
        self.send(206, data[first:last + 1], "application/octet-stream",
                  {"Content-Range": f"bytes {first}-{last}/{size}", "ETag": etag})


class Admin(Base):
    server_name = "admin"

    def do_GET(self):
        with LOCK:
            state = {"issued": [{"key": k, "source": v["source"], "expires": v["expires"], "secret": v["secret"],
                                 "token": v["token"]} for k, v in ISSUED.items()],
                     "accepted": dict(ACCEPTED), "rejected": list(REJECTED), "requests": dict(REQUESTS),
                     "now": time.time()}
        self.send(200, json.dumps(state))

    def do_POST(self):
        changes = json.loads(self.body() or b"{}")
        with LOCK:
            for name, value in changes.items():
                if name not in CONFIG:
                    return self.send(400, json.dumps({"error": "unknown setting " + name}))
                CONFIG[name] = value
        self.send(200, json.dumps({"ok": True}))


def main():
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="folder whose sub-folders are the data server's buckets")
    parser.add_argument("--ports-file", required=True)
    parser.add_argument("--static-key", action="append", default=[], help="AKID:SECRET accepted by data and sts")
    parser.add_argument("--lifetime", type=int, default=3600)
    args = parser.parse_args()
    ROOT = args.root
    CONFIG["lifetime"] = args.lifetime
    for pair in args.static_key:
        key, _, secret = pair.partition(":")
        ISSUED[key] = {"secret": secret, "token": "", "expires": None, "source": "static"}
    servers = {}
    for name, handler in [("imds", Imds), ("container", Container), ("sso", Sso), ("sts", Sts), ("data", Data),
                          ("admin", Admin)]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        servers[name] = server
        PORTS[name] = server.server_address[1]
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    tmp = args.ports_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(PORTS, f)
    os.replace(tmp, args.ports_file)
    threading.Event().wait()


if __name__ == "__main__":
    main()
