#!/usr/bin/env python3
"""A small Azure Blob service for tests (stdlib only) that accepts only OAuth bearer tokens our
identity servers issued (Azurite checks Shared Key and SAS only). Path-style, like Azurite:
http://127.0.0.1:PORT/ACCOUNT/CONTAINER/BLOB; blobs are the files under --root/CONTAINER/.

  GET /ACCOUNT/CONTAINER?restype=container&comp=list[&prefix][&maxresults][&marker]   List Blobs
  GET|HEAD /ACCOUNT/CONTAINER/BLOB   Get Blob, with x-ms-range (or Range): 206 + Content-Range,
        416 InvalidRange past the end, 404 BlobNotFound / ContainerNotFound
  GET /_stats

Authorization (Azure Storage REST reference, "Authorize with Microsoft Entra ID"): needs
`Authorization: Bearer TOKEN` with x-ms-version 2017-11-09 or later; a token listed in
--token-file (issued_tokens.py) and not expired. Otherwise 401 with a WWW-Authenticate
challenge and the service's error XML: NoAuthenticationInformation (no header),
InvalidAuthenticationInfo with AuthenticationErrorDetail "Lifetime validation failed. The
token is expired." (expired) or "Signature validation failed." (unknown).
"""
import argparse
import hashlib
import os
import sys
import urllib.parse
import uuid
from datetime import datetime, timezone
from email.utils import formatdate
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cred_http  # noqa: E402
import issued_tokens  # noqa: E402

ARGS = None


def blob_names(folder):
    names = []
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            names.append(os.path.relpath(os.path.join(dirpath, name), folder))
    return sorted(names, key=lambda n: n.encode("utf-8"))


class Handler(cred_http.Handler):
    def azure_error(self, status, code, message, detail=None, extra=None):
        cred_http.count("errors")
        body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{escape(message)}\n'
                f'RequestId:{uuid.uuid4()}\nTime:{datetime.now(timezone.utc).isoformat()}</Message>')
        if detail:
            body += f"<AuthenticationErrorDetail>{escape(detail)}</AuthenticationErrorDetail>"
        body += "</Error>"
        headers = {"x-ms-error-code": code, "x-ms-request-id": str(uuid.uuid4())}
        headers.update(extra or {})
        self.send_body(status, body, "application/xml", headers)

    def authorized(self):
        challenge = {"WWW-Authenticate": "Bearer authorization_uri=https://login.microsoftonline.com/"
                                         "common/oauth2/authorize resource_id=https://storage.azure.com"}
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            cred_http.count("unauthenticated")
            self.azure_error(401, "NoAuthenticationInformation",
                             "Server failed to authenticate the request. Please refer to the information in the "
                             "www-authenticate header.", extra=challenge)
            return False
        if self.headers.get("x-ms-version", "") < "2017-11-09":
            self.azure_error(400, "InvalidHeaderValue", "Bearer authorization needs x-ms-version 2017-11-09 or later")
            return False
        state = issued_tokens.check(ARGS.token_file, auth[len("Bearer "):])
        if state != "ok":
            cred_http.count("expired" if state == "expired" else "unknown")
            detail = ("Lifetime validation failed. The token is expired." if state == "expired"
                      else "Signature validation failed.")
            self.azure_error(401, "InvalidAuthenticationInfo",
                             "Server failed to authenticate the request. Please refer to the information in the "
                             "www-authenticate header.", detail, challenge)
            return False
        cred_http.count("authorized")
        return True

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path, query = self.split()
        if path == "/_stats":
            return self.stats()
        parts = path.split("/", 3)  # ['', ACCOUNT, CONTAINER, BLOB?]
        if len(parts) < 3 or parts[1] != ARGS.account or not parts[2]:
            return self.azure_error(400, "InvalidUri", "The requested URI does not represent any resource.")
        if not self.authorized():
            return
        container = urllib.parse.unquote(parts[2])
        folder = os.path.join(ARGS.root, container)
        if not os.path.isdir(folder):
            return self.azure_error(404, "ContainerNotFound", "The specified container does not exist.")
        if len(parts) == 3 or parts[3] == "":
            if query.get("restype") == "container" and query.get("comp") == "list":
                return self.list_blobs(container, folder, query)
            return self.azure_error(400, "InvalidQueryParameterValue", "restype=container&comp=list expected")
        return self.get_blob(folder, urllib.parse.unquote(parts[3]))

    def list_blobs(self, container, folder, query):
        prefix = query.get("prefix", "")
        try:
            limit = min(int(query.get("maxresults", "5000")), 5000)
        except ValueError:
            return self.azure_error(400, "OutOfRangeQueryParameterValue", "maxresults")
        marker = query.get("marker", "")
        names = [n for n in blob_names(folder) if n.startswith(prefix) and n.encode() >= marker.encode()]
        page, rest = names[:limit], names[limit:]
        items = []
        for name in page:
            st = os.stat(os.path.join(folder, name))
            etag = '"0x' + hashlib.md5(f"{name}{st.st_mtime_ns}".encode()).hexdigest()[:15].upper() + '"'
            items.append(f"<Blob><Name>{escape(name)}</Name><Properties>"
                         f"<Last-Modified>{formatdate(st.st_mtime, usegmt=True)}</Last-Modified>"
                         f"<Etag>{escape(etag)}</Etag><Content-Length>{st.st_size}</Content-Length>"
                         f"<BlobType>BlockBlob</BlobType></Properties></Blob>")
        next_marker = escape(rest[0]) if rest else ""
        body = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults '
                f'ServiceEndpoint="http://127.0.0.1:{ARGS.port}/{ARGS.account}" ContainerName="{escape(container)}">'
                f"<Prefix>{escape(prefix)}</Prefix><MaxResults>{limit}</MaxResults>"
                f"<Blobs>{''.join(items)}</Blobs><NextMarker>{next_marker}</NextMarker></EnumerationResults>")
        self.send_body(200, body, "application/xml", {"x-ms-version": "2021-08-06"})

    def get_blob(self, folder, name):
        path = os.path.join(folder, name)
        if ".." in name.split("/") or not os.path.isfile(path):
            return self.azure_error(404, "BlobNotFound", "The specified blob does not exist.")
        with open(path, "rb") as f:
            data = f.read()
        size = len(data)
        spec = self.headers.get("x-ms-range") or self.headers.get("Range")
        if not spec:
            return self.send_body(200, data, "application/octet-stream", {"x-ms-blob-type": "BlockBlob"})
        first_text, _, last_text = spec.removeprefix("bytes=").partition("-")
        first = int(first_text)
        last = min(int(last_text), size - 1) if last_text else size - 1
        if first >= size:
            return self.azure_error(416, "InvalidRange", "The range specified is invalid for the current size of "
                                    "the resource.", extra={"Content-Range": f"bytes */{size}"})
        self.send_body(206, data[first:last + 1], "application/octet-stream",
                       {"Content-Range": f"bytes {first}-{last}/{size}", "x-ms-blob-type": "BlockBlob"})


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--account", default="credacct")
    ARGS = parser.parse_args()
    cred_http.serve(ARGS.port, Handler)


if __name__ == "__main__":
    main()
