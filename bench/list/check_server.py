#!/usr/bin/env python3
"""Self-check of list_server.py (run before trusting its numbers): a full listing in pages equals
the layout's sorted keys, a delimiter listing gives exactly the first-level prefixes, start-after
starts after the key, and /_stats counts the requests.

    bench/list/check_server.py [--keys 5000]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "list_server.py")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        server = subprocess.Popen([sys.executable, SERVER, "--port-file", port_file, "--latency", "0", "--keys",
                                   str(args.keys), "--layout", "tree", "--layout", "flat"])
        try:
            for _ in range(600):
                if os.path.exists(port_file):
                    break
                time.sleep(0.1)
            port = open(port_file).read().strip()
            check(port, args.keys)
        finally:
            server.terminate()
            server.wait()
    print("list_server.py: ok")


def page(port, bucket, **query):
    query = {"list-type": "2", **{k.replace("_", "-"): v for k, v in query.items() if v is not None}}
    url = f"http://127.0.0.1:{port}/{bucket}?" + urllib.parse.urlencode(query)
    body = urllib.request.urlopen(url).read().decode()
    token = re.findall(r"<NextContinuationToken>([^<]*)<", body)
    return (re.findall(r"<Key>([^<]*)</Key>", body),
            re.findall(r"<CommonPrefixes><Prefix>([^<]*)</Prefix>", body), token[0] if token else None)


def list_all(port, bucket, **query):
    keys, prefixes, token = [], [], None
    while True:
        k, p, token = page(port, bucket, continuation_token=token, **query)
        keys += k
        prefixes += p
        if not token:
            return keys, prefixes


def check(port, count):
    for layout in ("tree", "flat"):
        want = subprocess.run([sys.executable, SERVER, "--dump-keys", layout, "--keys", str(count)],
                              capture_output=True, text=True, check=True).stdout.split()
        assert len(want) == count, (layout, len(want))
        keys, _ = list_all(port, layout, max_keys="700")
        assert keys == want, (layout, len(keys), len(want))
        top = want[0].split("/")[0] + "/"
        keys, prefixes = list_all(port, layout, prefix=top, delimiter="/", max_keys="7")
        expected = sorted({top + k[len(top):].split("/")[0] + "/" for k in want if "/" in k[len(top):]})
        assert prefixes == expected and keys == [k for k in want if "/" not in k[len(top):]], layout
        middle = count // 3
        keys, _, _ = page(port, layout, start_after=want[middle], max_keys="5")
        assert keys == want[middle + 1:middle + 6], layout
    stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats"))
    assert stats["total"]["list_requests"] > 0 and stats["total"]["errors"] == 0, stats


if __name__ == "__main__":
    main()
