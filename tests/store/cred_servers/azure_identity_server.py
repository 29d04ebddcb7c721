#!/usr/bin/env python3
"""Azure's token endpoints for tests (stdlib only), as Microsoft documents them:

  POST /TENANT/oauth2/v2.0/token   Microsoft identity platform, client credentials flow:
        form fields client_id, scope (must be https://storage.azure.com/.default),
        grant_type=client_credentials, and either client_secret (--client-secret) or
        client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer with
        client_assertion equal to the current content of --assertion-file (workload identity:
        the test rotates it). Every field is checked; an unexpected extra field is refused.
        Answers {"token_type": "Bearer", "expires_in", "ext_expires_in", "access_token"};
        errors {"error", "error_description" (echoing what was sent, on purpose: the client
        must never show it), "error_codes": [AADSTS number], ...}.
  GET  /metadata/identity/oauth2/token   IMDS: needs `Metadata: true` (else 400 "Required
        metadata header not specified"), refuses X-Forwarded-For, api-version and
        resource=https://storage.azure.com; at most one of client_id / object_id / msi_res_id,
        which must match --identity when given. Answers strings: access_token, client_id,
        expires_in, expires_on, ext_expires_in, not_before, resource, token_type.
  GET  /msi/token   App Service / Functions: needs `X-IDENTITY-HEADER: --identity-header`,
        api-version=2019-08-01, resource; selectors client_id / principal_id / mi_res_id.
        Answers access_token, expires_on (Unix seconds, as a string), resource, token_type,
        client_id.
  GET  /_stats

Issued tokens go to --token-file (issued_tokens.py) with scope https://storage.azure.com.
"""
import argparse
import os
import secrets
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cred_http  # noqa: E402
import issued_tokens  # noqa: E402

ARGS = None
STORAGE = "https://storage.azure.com"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def issue(kind):
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + kind + "-" + secrets.token_hex(16) + ".c2ln"
    expiry = time.time() + ARGS.lifetime
    issued_tokens.record(ARGS.token_file, token, expiry, STORAGE)
    return token, int(expiry)


class Handler(cred_http.Handler):
    def aad_error(self, status, error, code, description):
        cred_http.count("errors")
        self.send_json(status, {"error": error, "error_description": f"AADSTS{code}: {description}",
                                "error_codes": [code], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ"),
                                "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())})

    def do_POST(self):
        path, _query = self.split()
        parts = path.split("/")
        if len(parts) != 5 or parts[2:] != ["oauth2", "v2.0", "token"]:
            return self.send_body(404, "Not Found\n", "text/plain")
        cred_http.count("aad")
        if parts[1] != ARGS.tenant:
            return self.aad_error(400, "invalid_request", 90002, f"Tenant '{parts[1]}' not found.")
        form = self.read_form()
        if form is None:
            return self.aad_error(400, "invalid_request", 900144, "The request body must be form-encoded, "
                                  "each parameter once.")
        if form.get("grant_type") != "client_credentials":
            return self.aad_error(400, "unsupported_grant_type", 70003, "grant_type must be client_credentials")
        if form.get("client_id") != ARGS.client_id:
            return self.aad_error(400, "unauthorized_client", 700016,
                                  f"Application with identifier '{form.get('client_id')}' was not found.")
        if form.get("scope") != STORAGE + "/.default":
            return self.aad_error(400, "invalid_scope", 70011, f"The scope {form.get('scope')} is not valid.")
        if "client_assertion" in form or "client_assertion_type" in form:
            if set(form) != {"client_id", "scope", "grant_type", "client_assertion_type", "client_assertion"}:
                return self.aad_error(400, "invalid_request", 900144, f"unexpected fields {sorted(form)}")
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                return self.aad_error(400, "invalid_request", 50027, "client_assertion_type is wrong")
            with open(ARGS.assertion_file, "r", encoding="utf-8") as f:
                expected = f.read().strip()
            if form.get("client_assertion") != expected:
                return self.aad_error(401, "invalid_client", 700024,
                                      f"Client assertion {form.get('client_assertion')} is not within its valid "
                                      "time range.")
            kind = "wi"
        else:
            if set(form) != {"client_id", "scope", "grant_type", "client_secret"}:
                return self.aad_error(400, "invalid_request", 900144, f"unexpected fields {sorted(form)}")
            if not ARGS.client_secret or form.get("client_secret") != ARGS.client_secret:
                return self.aad_error(401, "invalid_client", 7000215,
                                      f"Invalid client secret provided: '{form.get('client_secret')}'.")
            kind = "sp"
        token, _ = issue(kind)
        self.send_json(200, {"token_type": "Bearer", "expires_in": ARGS.lifetime, "ext_expires_in": ARGS.lifetime,
                             "access_token": token})

    def do_GET(self):
        path, query = self.split()
        if path == "/_stats":
            return self.stats()
        if path == "/metadata/identity/oauth2/token":
            return self.imds(query)
        if path == "/msi/token":
            return self.app_service(query)
        self.send_body(404, "Not Found\n", "text/plain")

    def selector(self, query, names):
        given = [(n, query[n]) for n in names if n in query]
        if len(given) > 1:
            return None, "only one identity selector may be given"
        if ARGS.identity and given != [tuple(ARGS.identity.split("=", 1))]:
            return None, f"Identity not found (asked for {given})"
        if not ARGS.identity and given:
            return None, "Identity not found"
        return given, None

    def imds(self, query):
        cred_http.count("imds")
        if self.headers.get("Metadata") != "true" or "X-Forwarded-For" in self.headers:
            cred_http.count("refused")
            return self.send_json(400, {"error": "invalid_request",
                                        "error_description": "Required metadata header not specified"})
        if query.get("api-version") not in ("2018-02-01", "2019-08-01") or query.get("resource") != STORAGE:
            return self.send_json(400, {"error": "invalid_request", "error_description": "bad api-version/resource"})
        _, problem = self.selector(query, ("client_id", "object_id", "msi_res_id"))
        if problem:
            return self.send_json(400, {"error": "invalid_request", "error_description": problem})
        token, expiry = issue("imds")
        now = int(time.time())
        self.send_json(200, {"access_token": token, "client_id": str(uuid.uuid4()), "expires_in": str(ARGS.lifetime),
                             "expires_on": str(expiry), "ext_expires_in": str(ARGS.lifetime),
                             "not_before": str(now), "resource": STORAGE, "token_type": "Bearer"})

    def app_service(self, query):
        cred_http.count("appservice")
        if not ARGS.identity_header or self.headers.get("X-IDENTITY-HEADER") != ARGS.identity_header:
            cred_http.count("refused")
            return self.send_json(401, {"statusCode": 401, "message": "Unauthorized request"})
        if query.get("api-version") != "2019-08-01" or query.get("resource") != STORAGE:
            return self.send_json(400, {"statusCode": 400, "message": "bad api-version/resource"})
        _, problem = self.selector(query, ("client_id", "principal_id", "mi_res_id"))
        if problem:
            return self.send_json(400, {"statusCode": 400, "message": problem})
        token, expiry = issue("appsvc")
        self.send_json(200, {"access_token": token, "expires_on": str(expiry), "resource": STORAGE,
                             "token_type": "Bearer", "client_id": str(uuid.uuid4())})


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--tenant", default="72f988bf-86f1-41af-91ab-2d7cd011db47")
    parser.add_argument("--client-id", default="00000000-1111-2222-3333-444444444444")
    parser.add_argument("--client-secret", default="")
    parser.add_argument("--assertion-file", default="/nonexistent")
    parser.add_argument("--identity-header", default="")
    parser.add_argument("--identity", default="", help="NAME=VALUE the only identity selector accepted")
    parser.add_argument("--lifetime", type=int, default=3600)
    ARGS = parser.parse_args()
    cred_http.serve(ARGS.port, Handler)


if __name__ == "__main__":
    main()
