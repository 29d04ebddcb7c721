#!/usr/bin/env python3
"""Google's Security Token Service, IAM Credentials impersonation and OAuth refresh for tests
(stdlib only), following Google's documents for workload identity federation:

  POST /v1/token   STS token exchange (RFC 8693, "Method: token" of sts.googleapis.com):
        form fields grant_type=urn:ietf:params:oauth:grant-type:token-exchange, audience,
        scope, requested_token_type=urn:ietf:params:oauth:token-type:access_token,
        subject_token, subject_token_type; each is checked (the subject token against the
        current content of --subject-token-file, so a test can rotate it). With --client-id,
        HTTP Basic client authentication is required. Answers {"access_token",
        "issued_token_type", "token_type": "Bearer", "expires_in"}.
  POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken   IAM Credentials: needs a
        Bearer token this server issued with the cloud-platform scope, a JSON body with a
        non-empty "scope" list and a "lifetime" like "3600s"; EMAIL must be --service-account.
        Answers {"accessToken", "expireTime"} (RFC 3339).
  POST /token   OAuth 2.0 refresh-token grant (client_id, client_secret, refresh_token) for the
        source credentials of an impersonated_service_account file; scope cloud-platform.
  GET  /subject   the subject token for URL-sourced credentials; needs the header given by
        --subject-header NAME:VALUE; ?format=json answers {"id_token": ...}.
  GET  /_stats

Every access token it issues goes to --token-file (issued_tokens.py) with its scope. Error
answers deliberately echo what was sent in error_description, so a test can prove the client
never shows it.
"""
import argparse
import base64
import json
import os
import re
import secrets
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cred_http  # noqa: E402
import issued_tokens  # noqa: E402

ARGS = None
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
IMPERSONATE = re.compile(r"^/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken$")


def current_subject_token():
    with open(ARGS.subject_token_file, "r", encoding="utf-8") as f:
        return f.read().strip()


class Handler(cred_http.Handler):
    def oauth_error(self, status, error, description):
        cred_http.count("errors")
        self.send_json(status, {"error": error, "error_description": description})

    def do_GET(self):
        path, query = self.split()
        if path == "/_stats":
            return self.stats()
        if path == "/subject":
            cred_http.count("subject")
            name, _, value = ARGS.subject_header.partition(":")
            if self.headers.get(name) != value:
                return self.send_body(401, "missing subject header\n", "text/plain")
            token = current_subject_token()
            if query.get("format") == "json":
                return self.send_json(200, {"id_token": token})
            return self.send_body(200, token + "\n", "text/plain")
        self.send_body(404, "Not Found\n", "text/plain")

    def do_POST(self):
        path, _query = self.split()
        if path == "/v1/token":
            return self.sts()
        if path == "/token":
            return self.refresh()
        match = IMPERSONATE.match(path)
        if match:
            return self.impersonate(match.group(1))
        self.send_body(404, "Not Found\n", "text/plain")

    def sts(self):
        cred_http.count("sts")
        if ARGS.client_id:
            expected = "Basic " + base64.b64encode(f"{ARGS.client_id}:{ARGS.client_secret}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self.oauth_error(401, "invalid_client",
                                        f"client authentication failed: {self.headers.get('Authorization')}")
        form = self.read_form()
        if form is None:
            return self.oauth_error(400, "invalid_request", "expected one form-encoded value per field")
        wanted = {
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "subject_token_type": ARGS.subject_token_type,
            "audience": ARGS.audience,
        }
        for field, value in wanted.items():
            if form.get(field) != value:
                return self.oauth_error(400, "invalid_request", f"{field} is {form.get(field)!r}")
        if not form.get("scope"):
            return self.oauth_error(400, "invalid_scope", "scope is required")
        if ARGS.workforce_project:
            options = json.loads(form.get("options", "{}"))
            if options.get("userProject") != ARGS.workforce_project:
                return self.oauth_error(400, "invalid_request", "options.userProject is missing")
        subject = form.get("subject_token", "")
        if subject != current_subject_token():
            # Echoes the subject token on purpose: the client must never show it.
            return self.oauth_error(400, "invalid_grant", f"The subject token {subject} is invalid or expired.")
        token = "ya29.sts-" + secrets.token_hex(16)
        issued_tokens.record(ARGS.token_file, token, time.time() + ARGS.lifetime, form["scope"])
        self.send_json(200, {"access_token": token, "issued_token_type": wanted["requested_token_type"],
                             "token_type": "Bearer", "expires_in": ARGS.lifetime})

    def refresh(self):
        cred_http.count("refresh")
        form = self.read_form()
        if form is None:
            return self.oauth_error(400, "invalid_request", "expected one form-encoded value per field")
        if form.get("grant_type") != "refresh_token":
            return self.oauth_error(400, "unsupported_grant_type", "refresh_token expected")
        if (form.get("client_id") != ARGS.user_client_id or form.get("client_secret") != ARGS.user_client_secret or
                form.get("refresh_token") != ARGS.user_refresh_token):
            return self.oauth_error(400, "invalid_grant",
                                    f"Bad Request: {form.get('client_secret')} {form.get('refresh_token')}")
        token = "ya29.user-" + secrets.token_hex(16)
        issued_tokens.record(ARGS.token_file, token, time.time() + ARGS.lifetime, CLOUD_PLATFORM)
        self.send_json(200, {"access_token": token, "expires_in": ARGS.lifetime, "token_type": "Bearer",
                             "scope": CLOUD_PLATFORM})

    def impersonate(self, email):
        cred_http.count("impersonate")
        auth = self.headers.get("Authorization", "")
        body = self.read_body()

        def google_error(status, state, message):
            cred_http.count("errors")
            self.send_json(status, {"error": {"code": status, "message": message, "status": state}})

        if not auth.startswith("Bearer "):
            return google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        caller = issued_tokens.lookup(ARGS.token_file, auth[len("Bearer "):])
        if caller is None or caller[0] <= time.time():
            return google_error(401, "UNAUTHENTICATED", f"Invalid Credentials: {auth}")
        if CLOUD_PLATFORM not in caller[1].split():
            return google_error(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
        if email != ARGS.service_account:
            return google_error(403, "PERMISSION_DENIED",
                                f"Permission 'iam.serviceAccounts.getAccessToken' denied on {email}")
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return google_error(400, "INVALID_ARGUMENT", "JSON body expected")
        try:
            request = json.loads(body)
        except ValueError:
            return google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        scopes = request.get("scope")
        lifetime = request.get("lifetime", "3600s")
        if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) for s in scopes):
            return google_error(400, "INVALID_ARGUMENT", "scope must be a non-empty list")
        if not re.fullmatch(r"[0-9]+s", lifetime) or not 1 <= int(lifetime[:-1]) <= 43200:
            return google_error(400, "INVALID_ARGUMENT", "lifetime must look like 3600s")
        if request.get("delegates", []) != ARGS.delegate:
            return google_error(400, "INVALID_ARGUMENT", f"unexpected delegates {request.get('delegates')}")
        life = min(int(lifetime[:-1]), ARGS.impersonated_lifetime)
        expiry = time.time() + life
        token = "ya29.imp-" + secrets.token_hex(16)
        issued_tokens.record(ARGS.token_file, token, expiry, " ".join(scopes))
        stamp = datetime.fromtimestamp(expiry, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.send_json(200, {"accessToken": token, "expireTime": stamp})


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--subject-token-file", required=True)
    parser.add_argument("--subject-token-type", default="urn:ietf:params:oauth:token-type:jwt")
    parser.add_argument("--subject-header", default="X-Test-Subject:please")
    parser.add_argument("--audience", required=True)
    parser.add_argument("--service-account", default="target@tiff-dumper-test.iam.gserviceaccount.com")
    parser.add_argument("--client-id", default="")
    parser.add_argument("--client-secret", default="")
    parser.add_argument("--workforce-project", default="")
    parser.add_argument("--user-client-id", default="user-client")
    parser.add_argument("--user-client-secret", default="")
    parser.add_argument("--user-refresh-token", default="")
    parser.add_argument("--delegate", action="append", default=[])
    parser.add_argument("--lifetime", type=int, default=3600)
    parser.add_argument("--impersonated-lifetime", type=int, default=3600)
    ARGS = parser.parse_args()
    cred_http.serve(ARGS.port, Handler)


if __name__ == "__main__":
    main()
