#!/usr/bin/env python3
"""Regenerates the seed corpora of the store-parser fuzz targets (fuzz/<target>/corpus/).

The seeds are what real servers answer, captured here on 127.0.0.1 (standard library only):
  moto_server            ListObjectsV2 (with and without a delimiter, encoding-type=url, pages
                         with continuation tokens), S3 error bodies, ranged GETs, STS AssumeRole
                         and AssumeRoleWithWebIdentity answers and errors
  Azurite (npm)          List Blobs (with a delimiter, paged with markers), error bodies,
                         ranged GETs
  nginx + dav-ext        PROPFIND Depth: 1 multistatus answers, ranged GETs
  tests/store/gcs_json_api_server.py   objects.list (prefixes, pages), error JSON, ranged media,
                         the OAuth token endpoint's answers
  tests/store/aws_cred_servers.py      IMDSv2 and container credentials JSON, the SSO portal's
                         GetRoleCredentials, our STS, the S3 data server's errors
  tests/store/cred_servers/            token answers and errors of our GCE metadata, Google STS /
                         IAM Credentials and Azure AD / IMDS / App Service servers
Files no server hands out (AWS config files, credential_process output, Google credential
files, with a placeholder where a private key goes, the Azure CLI's token output) are written in
the layouts the AWS, Google and Microsoft documentation give; redirect seeds add the reference
examples of RFC 3986 section 5.4; server_text seeds are the error messages, codes and keys
captured here; key_split seeds are
key names in the shapes real buckets use. Every file is small (a few KiB at most).

Usage: fuzz/make_seeds.py [--only TARGET ...]   (run from anywhere; needs moto_server, nginx with
the dav-ext module and node_modules/.bin/azurite-blob, as the integration tests do).
Files written by an earlier run are replaced; files named regression-* (inputs that once
crashed a target) are kept.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
AZURE_SAS = ("sv=2021-08-06&ss=b&srt=sco&se=2099-01-01T00%3A00%3A00Z&sp=rwdlc&sig="
             "QasnztzZZ0YhpTIK8Qxshc1teEr7mrIN%2Bb80giC8nHs%3D")
# Keys with the characters listings have to carry: spaces, '+', '%', unicode, '&', XML specials.
AWKWARD_KEYS = ["a/1.tif", "a/b/2.tif", "a/b/c d.tif", "a+b/%41.tif", "été/x&y<z>.tif", "z/'quote\".tif"]
PROCESSES = []
SEEDS = {}  # target -> {file name: bytes}


def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    SEEDS.setdefault(target, {})[name] = data


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


def start(argv, workdir, env=None):
    log = open(os.path.join(workdir, os.path.basename(argv[0]) + ".log"), "wb")
    proc = subprocess.Popen(argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, **(env or {})), start_new_session=True)
    PROCESSES.append(proc)
    return proc


def stop_all():
    for proc in PROCESSES:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in PROCESSES:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


class Answer:
    def __init__(self, response, body):
        self.status = response.status
        self.reason = response.reason
        self.headers = response.getheaders()
        self.body = body

    def raw(self):
        """The response as it came over the wire (status line, headers, blank line, body)."""
        head = f"HTTP/1.1 {self.status} {self.reason}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in self.headers)
        return head.encode("latin-1") + b"\r\n" + self.body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    answer = Answer(response, response.read())
    conn.close()
    return answer


def expect(answer, *statuses):
    if answer.status not in statuses:
        raise RuntimeError(f"unexpected HTTP {answer.status}: {answer.body[:300]!r}")
    return answer


def quote(key):
    return urllib.parse.quote(key, safe="/")


def keep_time_headers(answer, prefix):
    for name in ("Date", "Last-Modified"):
        value = answer.header(name)
        if value:
            seed("timestamps", f"{prefix}-{name.lower()}", value)


# --- S3: moto_server -------------------------------------------------------------------------

def capture_moto(work):
    port = free_port()
    start(["moto_server", "-H", "127.0.0.1", "-p", str(port)], work)
    wait_port(port)
    expect(request(port, "PUT", "/bkt"), 200)
    for i, key in enumerate(AWKWARD_KEYS):
        expect(request(port, "PUT", "/bkt/" + quote(key), body=b"x" * (100 + i),
                       headers={"Content-Type": "application/octet-stream"}), 200)
    listings = {
        "list": "list-type=2",
        "list-delimiter": "list-type=2&delimiter=%2F",
        "list-prefix-delimiter": "list-type=2&prefix=a%2F&delimiter=%2F",
        "list-encoding-url": "list-type=2&encoding-type=url",
        "list-delimiter-encoding-url": "list-type=2&delimiter=%2F&encoding-type=url",
        "list-page1": "list-type=2&max-keys=2",
        "list-start-after": "list-type=2&start-after=a%2Fb%2F",
        "list-empty-prefix": "list-type=2&prefix=nothing%2F",
    }
    for name, query in listings.items():
        answer = expect(request(port, "GET", "/bkt?" + query), 200)
        seed("s3_list", "moto-" + name + ".xml", answer.body)
        if name == "list-page1":
            token = answer.body.split(b"<NextContinuationToken>")[1].split(b"</NextContinuationToken>")[0]
            page2 = expect(request(port, "GET", "/bkt?list-type=2&max-keys=2&continuation-token=" +
                                   urllib.parse.quote(token.decode(), safe="")), 200)
            seed("s3_list", "moto-list-page2.xml", page2.body)
    first = seed_value(SEEDS["s3_list"]["moto-list.xml"], b"LastModified")
    seed("timestamps", "moto-lastmodified", first)

    # Reads need a bucket policy that lets anyone GetObject (checks are off, but moto still
    # applies bucket policies to anonymous reads).
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                                  "Action": "s3:GetObject",
                                                                  "Resource": "arn:aws:s3:::bkt/*"}]})
    expect(request(port, "PUT", "/bkt?policy", body=policy, headers={"Content-Type": "application/json"}), 200, 204)
    errors = {
        "no-such-key": ("GET", "/bkt/missing.tif"),
        "no-such-bucket": ("GET", "/missing-bucket?list-type=2"),
        "invalid-range": ("GET", "/bkt/a/1.tif", {"Range": "bytes=5000-5010"}),
        "access-denied": ("GET", "/bkt/a/1.tif?acl", {}),
        "bucket-exists": ("PUT", "/bkt"),
    }
    for name, spec in errors.items():
        answer = request(port, spec[0], spec[1], headers=spec[2] if len(spec) > 2 else None)
        if answer.status >= 300 and answer.body:
            seed("xml_error", f"moto-{name}.xml", answer.body)
            seed("http_headers", f"moto-{name}.http", answer.raw())
    ranged = expect(request(port, "GET", "/bkt/a/1.tif", headers={"Range": "bytes=10-41"}), 206)
    seed("http_headers", "moto-206.http", ranged.raw())
    keep_time_headers(ranged, "moto")
    suffix = expect(request(port, "GET", "/bkt/a/1.tif", headers={"Range": "bytes=-16"}), 206)
    seed("http_headers", "moto-206-suffix.http", suffix.raw())
    whole = expect(request(port, "GET", "/bkt/a/1.tif"), 200)
    seed("http_headers", "moto-200.http", whole.raw())

    # STS on the same port (checks are off: unsigned requests are answered).
    form = {"Version": "2011-06-15", "RoleArn": "arn:aws:iam::123456789012:role/fuzz", "RoleSessionName": "fuzz"}
    sts_calls = {
        "assume-role": dict(form, Action="AssumeRole", DurationSeconds="900"),
        "web-identity": dict(form, Action="AssumeRoleWithWebIdentity", WebIdentityToken="eyJhbGciOi.fuzz.token"),
        "bad-action": dict(form, Action="AssumeRoot"),
    }
    for name, fields in sts_calls.items():
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/xml"}
        if fields["Action"] != "AssumeRoleWithWebIdentity":
            # moto routes a signed request by its credential scope's service; it does not check the
            # signature while its auth checks are off.
            headers["Authorization"] = ("AWS4-HMAC-SHA256 Credential=AKIAFUZZ/20240101/us-east-1/sts/aws4_request, "
                                        "SignedHeaders=host, Signature=00")
        answer = request(port, "POST", "/", body=urllib.parse.urlencode(fields), headers=headers)
        if answer.body:
            seed("sts", f"moto-{name}.{'xml' if answer.body.startswith(b'<?xml') or answer.body.startswith(b'<Assume') else 'html'}", answer.body)
        if name == "assume-role" and answer.status == 200:
            seed("timestamps", "moto-sts-expiration", seed_value(answer.body, b"Expiration"))


def seed_value(xml, tag):
    return xml.split(b"<" + tag + b">")[1].split(b"</" + tag + b">")[0]


# --- Azure: Azurite --------------------------------------------------------------------------

def capture_azurite(work):
    azurite = os.path.join(REPO, "node_modules", ".bin", "azurite-blob")
    port = free_port()
    start([azurite, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
           "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent"], work)
    wait_port(port)
    base = "/devstoreaccount1"
    expect(request(port, "PUT", f"{base}/ctr?restype=container&{AZURE_SAS}",
                   headers={"x-ms-blob-public-access": "container"}), 201)
    for i, key in enumerate(AWKWARD_KEYS):
        expect(request(port, "PUT", f"{base}/ctr/{quote(key)}?{AZURE_SAS}", body=b"x" * (100 + i),
                       headers={"x-ms-blob-type": "BlockBlob"}), 201)
    listings = {
        "list": "restype=container&comp=list",
        "list-delimiter": "restype=container&comp=list&delimiter=%2F",
        "list-prefix-delimiter": "restype=container&comp=list&prefix=a%2F&delimiter=%2F",
        "list-page1": "restype=container&comp=list&maxresults=2",
        "list-empty-prefix": "restype=container&comp=list&prefix=nothing%2F",
    }
    for name, query in listings.items():
        answer = expect(request(port, "GET", f"{base}/ctr?{query}"), 200)
        seed("azure_list", f"azurite-{name}.xml", answer.body)
        if name == "list-page1":
            marker = seed_value(answer.body, b"NextMarker").decode()
            page2 = expect(request(port, "GET", f"{base}/ctr?{query}&marker={urllib.parse.quote(marker, safe='')}"),
                           200)
            seed("azure_list", "azurite-list-page2.xml", page2.body)
    seed("timestamps", "azurite-last-modified-xml", seed_value(SEEDS["azure_list"]["azurite-list.xml"],
                                                              b"Last-Modified"))
    expect(request(port, "PUT", f"{base}/priv?restype=container&{AZURE_SAS}"), 201)
    bad_sas = AZURE_SAS.replace("sig=Qas", "sig=Xas")
    errors = {
        "container-not-found": ("GET", f"{base}/missing?restype=container&comp=list&{AZURE_SAS}"),
        "anonymous-private": ("GET", f"{base}/missing?restype=container&comp=list"),
        "blob-not-found": ("GET", f"{base}/ctr/missing.tif"),
        "invalid-range": ("GET", f"{base}/ctr/a/1.tif", {"x-ms-range": "bytes=5000-5010"}),
        "authentication-failed": ("GET", f"{base}/priv?restype=container&comp=list&{bad_sas}"),
        "container-exists": ("PUT", f"{base}/ctr?restype=container&{AZURE_SAS}"),
    }
    for name, spec in errors.items():
        answer = request(port, spec[0], spec[1], headers=spec[2] if len(spec) > 2 else None)
        if answer.status >= 300 and answer.body:
            seed("xml_error", f"azurite-{name}.xml", answer.body)
            seed("http_headers", f"azurite-{name}.http", answer.raw())
    ranged = expect(request(port, "GET", f"{base}/ctr/a/1.tif", headers={"x-ms-range": "bytes=10-41"}), 206)
    seed("http_headers", "azurite-206.http", ranged.raw())
    keep_time_headers(ranged, "azurite")


# --- WebDAV: nginx ---------------------------------------------------------------------------

def capture_nginx(work):
    port = free_port()
    root = os.path.join(work, "root")
    for key in ["data/1.tif", "data/a b/2.tif", "data/a b/c%d.tif", "data/été/3.tif", "data/sub/deeper/4.tif",
                "data/&amp;.tif"]:
        path = os.path.join(root, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"II*\x00" + b"x" * 200)
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write("load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;\n"
                f"daemon off; user root; pid {work}/nginx.pid; error_log {work}/error.log;\n"
                "events {}\n"
                f"http {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {work}/tmp;\n"
                f"  server {{ listen 127.0.0.1:{port}; root {root};\n"
                "    location / { dav_methods PUT MKCOL; create_full_put_path on; dav_ext_methods PROPFIND OPTIONS; }\n"
                "  }\n}\n")
    start(["nginx", "-c", conf, "-p", work + "/"], work)
    wait_port(port)
    body = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/>'
            "<D:getcontentlength/><D:getlastmodified/><D:getetag/><D:resource-id/></D:prop></D:propfind>")
    for name, path in {"root": "/", "data": "/data/", "a-b": "/data/a%20b/", "sub": "/data/sub/",
                       "file": "/data/1.tif"}.items():
        answer = expect(request(port, "PROPFIND", path, body=body, headers={"Depth": "1"}), 207)
        seed("webdav", f"nginx-propfind-{name}.xml", answer.body)
    allprop = expect(request(port, "PROPFIND", "/data/", headers={"Depth": "1"}), 207)
    seed("webdav", "nginx-propfind-allprop.xml", allprop.body)
    modified = allprop.body.split(b"getlastmodified>")[1].split(b"</")[0]
    seed("timestamps", "nginx-getlastmodified", modified)
    ranged = expect(request(port, "GET", "/data/1.tif", headers={"Range": "bytes=4-35"}), 206)
    seed("http_headers", "nginx-206.http", ranged.raw())
    keep_time_headers(ranged, "nginx")
    past = expect(request(port, "GET", "/data/1.tif", headers={"Range": "bytes=5000-5010"}), 416)
    seed("http_headers", "nginx-416.http", past.raw())
    seed("http_headers", "nginx-200.http", expect(request(port, "GET", "/data/1.tif"), 200).raw())
    seed("http_headers", "nginx-404.http", expect(request(port, "GET", "/data/missing.tif"), 404).raw())
    moved = expect(request(port, "GET", "/data/sub"), 301)  # a folder without its slash
    seed("http_headers", "nginx-301.http", moved.raw())
    seed("redirect", "nginx-301-location", moved.header("Location"))


# --- GCS: our JSON API test server -----------------------------------------------------------

def capture_gcs(work):
    port = free_port()
    root = os.path.join(work, "gcs")
    for bucket in ("pub", "priv"):
        for key in AWKWARD_KEYS:
            path = os.path.join(root, bucket, key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(b"x" * 150)
    client_id, client_secret, refresh = "fuzz-client.apps.googleusercontent.com", "fuzz-client-secret", "1//fuzz-refresh"
    start([sys.executable, os.path.join(REPO, "tests", "store", "gcs_json_api_server.py"), "--port", str(port),
           "--root", root, "--public", "pub", "--client-id", client_id, "--client-secret", client_secret,
           "--refresh-token", refresh], work)
    wait_port(port)
    listings = {
        "list": "",
        "list-delimiter": "delimiter=%2F",
        "list-prefix-delimiter": "prefix=a%2F&delimiter=%2F",
        "list-page1": "maxResults=2",
        "list-fields": "fields=items(name,size,updated,etag),prefixes,nextPageToken&delimiter=%2F",
        "list-empty-prefix": "prefix=nothing%2F",
    }
    for name, query in listings.items():
        answer = expect(request(port, "GET", f"/storage/v1/b/pub/o?{query}"), 200)
        seed("gcs_list", f"gcs-{name}.json", answer.body)
        if name == "list-page1":
            token = json.loads(answer.body)["nextPageToken"]
            page2 = expect(request(port, "GET", f"/storage/v1/b/pub/o?maxResults=2&pageToken="
                                   f"{urllib.parse.quote(token, safe='')}"), 200)
            seed("gcs_list", "gcs-list-page2.json", page2.body)
    seed("timestamps", "gcs-updated", json.loads(SEEDS["gcs_list"]["gcs-list.json"])["items"][0]["updated"])
    errors = {
        "no-such-object": "/storage/v1/b/pub/o/missing.tif?alt=media",
        "no-such-bucket": "/storage/v1/b/missing/o",
        "unauthorized": "/storage/v1/b/priv/o",
        "invalid-range": ("/storage/v1/b/pub/o/a%2F1.tif?alt=media", {"Range": "bytes=5000-5010"}),
    }
    for name, spec in errors.items():
        path, headers = spec if isinstance(spec, tuple) else (spec, None)
        answer = request(port, "GET", path, headers=headers)
        if answer.status >= 300:
            if answer.body:
                seed("gcs_error", f"gcs-{name}.json", answer.body)
            seed("http_headers", f"gcs-{name}.http", answer.raw())
    ranged = expect(request(port, "GET", "/storage/v1/b/pub/o/a%2F1.tif?alt=media",
                            headers={"Range": "bytes=10-41"}), 206)
    seed("http_headers", "gcs-206.http", ranged.raw())
    keep_time_headers(ranged, "gcs")

    form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": client_secret,
            "refresh_token": refresh}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    token = expect(request(port, "POST", "/token", body=urllib.parse.urlencode(form), headers=headers), 200)
    seed("google_oauth", "gcs-token.json", token.body)
    bad = request(port, "POST", "/token", body=urllib.parse.urlencode(dict(form, refresh_token="wrong")),
                  headers=headers)
    seed("google_oauth", "gcs-token-invalid-grant.json", bad.body)
    seed("gcs_error", "gcs-token-invalid-grant.json", bad.body)
    token_uri = f"http://127.0.0.1:{port}/token"
    # Credential files in the layouts Google documents (gcloud's application_default_credentials.json
    # for a user; a service-account key as the IAM console downloads it), with a key made here.
    seed("google_oauth", "authorized-user.json", json.dumps({
        "type": "authorized_user", "client_id": client_id, "client_secret": client_secret,
        "refresh_token": refresh, "quota_project_id": "fuzz-project"}, indent=2))
    # The key's place holds a PEM-shaped placeholder of a 2048-bit key's length: the parser does
    # not read it, and no private key belongs in the repository.
    key = "-----BEGIN PRIVATE KEY-----\n" + ("A" * 64 + "\n") * 25 + "AAAA\n-----END PRIVATE KEY-----\n"
    seed("google_oauth", "service-account.json", json.dumps({
        "type": "service_account", "project_id": "fuzz-project", "private_key_id": hashlib.sha1(key.encode()).hexdigest(),
        "private_key": key, "client_email": "fuzz@fuzz-project.iam.gserviceaccount.com", "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/fuzz%40fuzz-project.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com"}, indent=2))


# --- AWS credential endpoints: tests/store/aws_cred_servers.py -------------------------------

def capture_aws_cred_servers(work):
    ports_file = os.path.join(work, "ports.json")
    root = os.path.join(work, "aws-data")
    os.makedirs(os.path.join(root, "bkt"), exist_ok=True)
    start([sys.executable, os.path.join(REPO, "tests", "store", "aws_cred_servers.py"), "--root", root,
           "--ports-file", ports_file], work)
    deadline = time.time() + 30
    while not os.path.exists(ports_file):
        if time.time() > deadline:
            raise RuntimeError("aws_cred_servers.py wrote no ports file")
        time.sleep(0.1)
    with open(ports_file) as f:
        ports = json.load(f)
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmdXp6In0.c2lnbmF0dXJl"
    settings = {"container_token": "fuzz-container-token", "sso_token": "fuzz-sso-token", "sso_account": "111122223333",
                "sso_role": "FuzzRole", "web_identity_token": jwt, "imds_role": "fuzz-role"}
    expect(request(ports["admin"], "POST", "/config", body=json.dumps(settings),
                   headers={"Content-Type": "application/json"}), 200)

    imds = ports["imds"]
    token = expect(request(imds, "PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}),
                   200).body.decode()
    roles = "/latest/meta-data/iam/security-credentials/"
    expect(request(imds, "GET", roles, headers={"X-aws-ec2-metadata-token": token}), 200)
    creds = expect(request(imds, "GET", roles + "fuzz-role", headers={"X-aws-ec2-metadata-token": token}), 200)
    seed("aws_credentials_json", "imds-credentials.json", creds.body)
    seed("timestamps", "imds-expiration", json.loads(creds.body)["Expiration"])
    for name, path in {"ecs": "/v2/credentials/fuzz", "eks": "/v1/credentials"}.items():
        answer = expect(request(ports["container"], "GET", path, headers={"Authorization": "fuzz-container-token"}), 200)
        seed("aws_credentials_json", f"container-{name}.json", answer.body)
        if name == "ecs":
            # credential_process output is the same document with "Version": 1 (SDKs and Tools
            # Reference Guide, "Process credential provider").
            doc = json.loads(answer.body)
            process = {"Version": 1, "AccessKeyId": doc["AccessKeyId"], "SecretAccessKey": doc["SecretAccessKey"],
                       "SessionToken": doc["Token"], "Expiration": doc["Expiration"]}
            seed("aws_credentials_json", "credential-process.json", json.dumps(process, indent=2))
            seed("aws_credentials_json", "credential-process-long-term.json",
                 json.dumps({"Version": 1, "AccessKeyId": doc["AccessKeyId"],
                             "SecretAccessKey": doc["SecretAccessKey"]}))
    refused = request(ports["container"], "GET", "/v1/credentials", headers={"Authorization": "wrong"})
    seed("aws_credentials_json", "container-401.json", refused.body)

    sso = ports["sso"]
    path = "/federation/credentials?account_id=111122223333&role_name=FuzzRole"
    seed("sso", "sso-role-credentials.json",
         expect(request(sso, "GET", path, headers={"x-amz-sso_bearer_token": "fuzz-sso-token"}), 200).body)
    seed("sso", "sso-401.json", request(sso, "GET", path, headers={"x-amz-sso_bearer_token": "wrong"}).body)
    seed("sso", "sso-403.json", request(sso, "GET", path.replace("FuzzRole", "Other"),
                                        headers={"x-amz-sso_bearer_token": "fuzz-sso-token"}).body)

    sts = ports["sts"]
    form = {"Version": "2011-06-15", "RoleArn": "arn:aws:iam::111122223333:role/fuzz", "RoleSessionName": "fuzz"}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    calls = {
        "web-identity": dict(form, Action="AssumeRoleWithWebIdentity", WebIdentityToken=jwt),
        "web-identity-invalid-token": dict(form, Action="AssumeRoleWithWebIdentity", WebIdentityToken="wrong"),
        "assume-role-unsigned": dict(form, Action="AssumeRole"),
        "validation-error": dict(form, Action="AssumeRole", RoleSessionName="x"),
    }
    for name, fields in calls.items():
        seed("sts", f"ours-{name}.xml", request(sts, "POST", "/", body=urllib.parse.urlencode(fields),
                                                headers=headers).body)
    data = request(ports["data"], "GET", "/bkt?list-type=2", headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    seed("xml_error", "aws-data-unsigned.xml", data.body)


# --- Google and Azure token endpoints: tests/store/cred_servers/ ------------------------------

def capture_token_servers(work):
    servers = os.path.join(REPO, "tests", "store", "cred_servers")
    gce, azure, sts = free_port(), free_port(), free_port()
    subject_file = os.path.join(work, "subject")
    with open(subject_file, "w") as f:
        f.write("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmdXp6In0.c3ViamVjdA")
    audience = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/fuzz"
    start([sys.executable, os.path.join(servers, "gce_metadata_server.py"), "--port", str(gce),
           "--token-file", os.path.join(work, "gce-tokens")], work)
    start([sys.executable, os.path.join(servers, "azure_identity_server.py"), "--port", str(azure),
           "--token-file", os.path.join(work, "azure-tokens"), "--client-secret", "fuzz-client-secret",
           "--identity-header", "fuzz-identity-header"], work)
    start([sys.executable, os.path.join(servers, "google_sts_server.py"), "--port", str(sts),
           "--token-file", os.path.join(work, "sts-tokens"), "--subject-token-file", subject_file,
           "--audience", audience], work)
    for port in (gce, azure, sts):
        wait_port(port)

    path = "/computeMetadata/v1/instance/service-accounts/default/token"
    seed("bearer_token", "gce-token.json", expect(request(gce, "GET", path, headers={"Metadata-Flavor": "Google"}),
                                                  200).body)
    seed("bearer_token", "gce-403.txt", request(gce, "GET", path).body)

    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    aad = {"grant_type": "client_credentials", "client_id": "00000000-1111-2222-3333-444444444444",
           "scope": "https://storage.azure.com/.default", "client_secret": "fuzz-client-secret"}
    token_path = "/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
    seed("bearer_token", "aad-token.json", expect(request(azure, "POST", token_path, body=urllib.parse.urlencode(aad),
                                                          headers=form_headers), 200).body)
    wrong = request(azure, "POST", token_path, body=urllib.parse.urlencode(dict(aad, client_secret="wrong")),
                    headers=form_headers)
    seed("bearer_token", "aad-invalid-client.json", wrong.body)
    imds = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com"
    seed("bearer_token", "azure-imds-token.json", expect(request(azure, "GET", imds, headers={"Metadata": "true"}),
                                                         200).body)
    seed("bearer_token", "azure-imds-400.json", request(azure, "GET", imds).body)
    app = "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fstorage.azure.com"
    seed("bearer_token", "app-service-token.json",
         expect(request(azure, "GET", app, headers={"X-IDENTITY-HEADER": "fuzz-identity-header"}), 200).body)

    exchange = {"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "audience": audience,
                "scope": "https://www.googleapis.com/auth/cloud-platform",
                "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "subject_token": open(subject_file).read(),
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt"}
    answer = expect(request(sts, "POST", "/v1/token", body=urllib.parse.urlencode(exchange), headers=form_headers), 200)
    seed("bearer_token", "google-sts-token.json", answer.body)
    seed("bearer_token", "google-sts-invalid-grant.json",
         request(sts, "POST", "/v1/token", body=urllib.parse.urlencode(dict(exchange, subject_token="stale")),
                 headers=form_headers).body)
    federated = json.loads(answer.body)["access_token"]
    impersonate = "/v1/projects/-/serviceAccounts/target@tiff-dumper-test.iam.gserviceaccount.com:generateAccessToken"
    body = json.dumps({"scope": ["https://www.googleapis.com/auth/devstorage.read_only"], "lifetime": "3600s"})
    granted = expect(request(sts, "POST", impersonate, body=body, headers={
        "Authorization": "Bearer " + federated, "Content-Type": "application/json"}), 200)
    seed("bearer_token", "iam-generate-access-token.json", granted.body)
    seed("timestamps", "iam-expire-time", json.loads(granted.body)["expireTime"])
    seed("bearer_token", "iam-unauthenticated.json",
         request(sts, "POST", impersonate, body=body, headers={"Content-Type": "application/json"}).body)
    # `az account get-access-token` prints this document (Azure CLI reference); expiresOn is
    # local time, expires_on (newer CLIs) Unix seconds.
    seed("bearer_token", "azure-cli.json", json.dumps({
        "accessToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJzdG9yYWdlIn0.c2ln",
        "expiresOn": "2026-12-02 11:22:09.000000", "expires_on": 1796210529,
        "subscription": "00000000-0000-0000-0000-000000000000", "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "tokenType": "Bearer"}, indent=2))


# --- Files no server sends -------------------------------------------------------------------

def write_documented_files():
    # ~/.aws/config and ~/.aws/credentials in the layouts of the AWS SDKs and Tools Reference Guide
    # ("Shared config and credentials files"): profiles, sso-session, nested s3 settings, comments.
    seed("aws_config", "config-profiles.ini", """[default]
region = us-west-2
output = json

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = default
role_session_name = fuzz-session
duration_seconds = 3600
external_id = 0123456789

[profile ci]
role_arn = arn:aws:iam::123456789012:role/ci
web_identity_token_file = /var/run/secrets/token
; a comment
# another comment
[profile s3-tuned]
region=eu-central-1
s3 =
  max_concurrent_requests = 20
  addressing_style = path
""")
    seed("aws_config", "config-sso.ini", """[profile sso-user]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = SampleRole
region = us-east-1

[sso-session my-sso]
sso_region = us-east-1
sso_start_url = https://my-sso-portal.awsapps.com/start
sso_registration_scopes = sso:account:access

[profile legacy-sso]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly
""")
    seed("aws_config", "config-process.ini", """[profile process]
credential_process = /opt/bin/awscreds-custom --username helen
[profile quoted]
credential_process = "/Users/Dave Smith/bin/get creds" --profile 'prod account' --flag="a \\"b\\"" \\$HOME
[profile imds]
credential_source = Ec2InstanceMetadata
role_arn = arn:aws:iam::123456789012:role/from-imds
""")
    seed("aws_config", "credentials.ini", """[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[user1]
aws_access_key_id=AKIAI44QH8DHBEXAMPLE
aws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
aws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN
""")
    seed("aws_config", "command-line.txt", "python3 -c 'import json; print(json.dumps({\"Version\": 1}))'")
    # Retry-After forms no local server sends (RFC 9110 section 10.2.3 and 5.6.7).
    for name, value in {"retry-after-seconds": "120", "retry-after-imf": "Wed, 21 Oct 2015 07:28:00 GMT",
                        "retry-after-rfc850": "Wednesday, 21-Oct-15 07:28:00 GMT",
                        "retry-after-asctime": "Wed Oct 21 07:28:00 2015"}.items():
        seed("timestamps", "rfc9110-" + name, value)
    seed("http_headers", "rfc9110-503-retry-after.http",
         "HTTP/1.1 503 Slow Down\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n")
    seed("http_headers", "rfc9110-429-retry-after-date.http",
         "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\n")
    # key_split: PREFIX \0 LO \0 KEYS SEEN [\0 HI], for hex digests, UUIDs, dated paths and names.
    hexes = [hashlib.sha1(str(i).encode()).hexdigest() for i in range(8)]
    uuids = ["0b6f3d1e-4a7c-4e0e-9a57-2f1e6c0d9b21", "7c9e6679-7425-40de-944b-e07fc1f90ae7",
             "f47ac10b-58cc-4372-a567-0e02b2c3d479"]
    dated = ["scenes/2023/01/02/LC08_L1TP_001002.tif", "scenes/2023/07/15/LC08_L1TP_044034.tif",
             "scenes/2024/12/31/LC09_L2SP_233062.tif"]
    cases = {
        "hex": ("tiles/", "tiles/" + min(hexes), "".join(hexes), None),
        "hex-bounded": ("tiles/", "tiles/" + sorted(hexes)[1], "".join(hexes), "tiles/" + sorted(hexes)[6]),
        "uuid": ("", uuids[0], "".join(uuids), uuids[2]),
        "dated": ("scenes/", dated[0], "".join(dated), dated[2]),
        "nothing-seen": ("p/", "p/a", "", None),
        "adjacent": ("p/", "p/abc", "abcd", "p/abd"),
    }
    for name, (prefix, lo, keys, hi) in cases.items():
        seed("key_split", name, "\0".join([prefix, lo, keys] + ([hi] if hi is not None else [])))


def derive_seeds():
    # RFC 3986 section 5.4: the reference resolution examples (normal and abnormal).
    for i, ref in enumerate(["g:h", "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s", ";x", "g;x",
                             "g;x?y#s", "", ".", "./", "..", "../", "../g", "../..", "../../", "../../g",
                             "../../../g", "../../../../g", "/./g", "/../g", "g.", ".g", "g..", "..g", "./../g",
                             "./g/.", "g/./h", "g/../h", "g;x=1/./y", "g;x=1/../y", "g?y/./x", "g?y/../x",
                             "g#s/./x", "g#s/../x", "http:g"]):
        seed("redirect", f"rfc3986-{i:02d}", ref)
    seed("redirect", "absolute-other-origin", "https://other.example:8443/a/b?c=d")
    # server_text: what servers wrote into errors, each with a secret to redact after a NUL.
    for target in ("xml_error", "gcs_error", "bearer_token", "sts"):
        for name, body in SEEDS.get(target, {}).items():
            seed("server_text", f"{target}-{name}", body + b"\0SECRETQWERTYZ")
    for name in ("moto-list-encoding-url.xml", "moto-list.xml"):
        keys = SEEDS["s3_list"][name].split(b"<Key>")[1:]
        for i, key in enumerate(keys[:3]):
            seed("server_text", f"key-{name}-{i}", key.split(b"</Key>")[0])


def write_seeds(only):
    for target, files in sorted(SEEDS.items()):
        if only and target not in only:
            continue
        corpus = os.path.join(HERE, target, "corpus")
        os.makedirs(corpus, exist_ok=True)
        for name in os.listdir(corpus):
            if not name.startswith("regression-"):
                os.remove(os.path.join(corpus, name))
        for name, data in sorted(files.items()):
            with open(os.path.join(corpus, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(files)} seeds, {sum(len(d) for d in files.values())} bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="write only this target's corpus")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tdump-seeds-")
    try:
        for capture in (capture_moto, capture_azurite, capture_nginx, capture_gcs, capture_aws_cred_servers,
                        capture_token_servers):
            sub = os.path.join(work, capture.__name__)
            os.makedirs(sub)
            capture(sub)
        write_documented_files()
        derive_seeds()
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)
    write_seeds(set(args.only))


if __name__ == "__main__":
    main()
