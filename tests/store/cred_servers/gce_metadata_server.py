#!/usr/bin/env python3
"""A Google Compute Engine metadata server for tests (stdlib only), as Google documents it
("About VM metadata", "Access VM metadata", "Authenticate workloads using service accounts"):

  GET /computeMetadata/v1/instance/service-accounts/default/token
      needs `Metadata-Flavor: Google` (else 403); a request carrying X-Forwarded-For is refused
      (403), as the real server does; answers {"access_token", "expires_in", "token_type":
      "Bearer"} with `Metadata-Flavor: Google` and `Content-Type: application/json`.
  GET /computeMetadata/v1/instance/service-accounts/default/email   the account's e-mail
  GET /_stats   {"token": n, ...}

Tokens live --lifetime seconds and are written to --token-file (issued_tokens.py) so a data
server accepts exactly them. --no-flavor answers without the Metadata-Flavor header (a server
that is not a metadata server); --redirect answers the token path with a 302 to /elsewhere,
which hands out a token (a client must not follow it).
"""
import argparse
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cred_http  # noqa: E402
import issued_tokens  # noqa: E402

ARGS = None
TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"
EMAIL_PATH = "/computeMetadata/v1/instance/service-accounts/default/email"


class Handler(cred_http.Handler):
    def flavor(self):
        return {} if ARGS.no_flavor else {"Metadata-Flavor": "Google"}

    def issue(self):
        token = "ya29.gce-" + secrets.token_hex(16)
        issued_tokens.record(ARGS.token_file, token, time.time() + ARGS.lifetime,
                             "https://www.googleapis.com/auth/cloud-platform")
        cred_http.count("token")
        self.send_json(200, {"access_token": token, "expires_in": ARGS.lifetime, "token_type": "Bearer"},
                       self.flavor())

    def do_GET(self):
        path, _query = self.split()
        if path == "/_stats":
            return self.stats()
        cred_http.count("requests")
        if path == "/elsewhere":
            return self.issue()
        if self.headers.get("Metadata-Flavor") != "Google" or "X-Forwarded-For" in self.headers:
            cred_http.count("refused")
            return self.send_body(403, "Missing required header: Metadata-Flavor: Google\n", "text/html",
                                  self.flavor())
        if path == TOKEN_PATH:
            if ARGS.redirect:
                return self.send_body(302, "", "text/html", {"Location": "/elsewhere", **self.flavor()})
            return self.issue()
        if path == EMAIL_PATH:
            return self.send_body(200, ARGS.email, "application/text", self.flavor())
        self.send_body(404, "Not Found\n", "text/html", self.flavor())


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--lifetime", type=int, default=3600)
    parser.add_argument("--email", default="vm@tiff-dumper-test.iam.gserviceaccount.com")
    parser.add_argument("--no-flavor", action="store_true")
    parser.add_argument("--redirect", action="store_true")
    ARGS = parser.parse_args()
    cred_http.serve(ARGS.port, Handler)


if __name__ == "__main__":
    main()
