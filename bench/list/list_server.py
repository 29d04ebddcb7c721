#!/usr/bin/env python3
"""A listing server of our own: enough of S3's ListObjectsV2 to benchmark listing, over an
in-memory key set generated from a layout, every page answered after a configurable latency
without blocking the other requests (asyncio: a sleeping page holds no thread). Standard
library only.

    list_server.py --port P [--latency 0.3] [--keys 1000000] [--layout tree] [--layout flat]
                   [--layout file:NAME=PATH] [--port-file F] [--seed S]
    list_server.py --dump-keys LAYOUT [--keys N] [--seed S]     # print a layout's keys, sorted

Each layout is a bucket of its own name (`tree`, `flat`, or NAME for a key file):

    tree  Sentinel-2 COGs: tiles/<zone>/<band>/<square>/<year>/<month>/<scene>/B01.tif with the
          fan-outs of the real grid: 60 UTM zones, 20 latitude bands (C..X without I and O),
          20-100 100-km squares per zone and band, 1-4 years, 1-5 months a year, 1-3 scenes a
          month; --keys keys in all (a random sample of squares when there are fewer keys).
    flat  one folder of hex names: flat/<16 hex digits>.tif, uniformly distributed.
    file  the keys of PATH, one per line (any UTF-8 text: spaces, '+', '&', non-ASCII...).

Requests (path-style, HTTP/1.1 keep-alive):

    GET /BUCKET?list-type=2[&prefix=P][&delimiter=D][&start-after=K][&continuation-token=T]
                [&max-keys=N][&encoding-type=url]
        ListObjectsV2 as the S3 API reference describes it: keys > start-after (ignored when a
        continuation token is given), in UTF-8 byte order; with a delimiter, keys holding it after
        the prefix are rolled up into one <CommonPrefixes> each, which counts as one entry
        against max-keys (at most 1000, the default); <KeyCount> counts keys and prefixes;
        <NextContinuationToken> (opaque) when truncated; with encoding-type=url the Key, Prefix,
        Delimiter, StartAfter and CommonPrefixes values are URL-encoded ('/' kept, ' ' as '+').
        Answered after --latency seconds.
    HEAD /BUCKET           200 for a known bucket (404 NoSuchBucket otherwise)
    GET  /BUCKET/KEY       404 NoSuchKey (this server holds no object bytes)
    GET  /_stats           JSON: LIST requests (all, with a delimiter, with start-after,
                           continued), keys and prefixes sent, pages in flight now and at most,
                           per bucket and in total
    POST /_stats/reset     zeroes the counters (answers the counters before the reset)

The key set is held once, sorted; a page is found with a binary search, and a delimiter listing
jumps over each rolled-up prefix with another, so a page costs O(page x log keys) whatever the
layout.
"""
import argparse
import asyncio
import base64
import bisect
import json
import random
import signal
import sys
import urllib.parse
import zlib
from xml.sax.saxutils import escape

MAX_KEYS = 1000
MAX_HEADER_BYTES = 64 * 1024
LAST_MODIFIED = "2024-01-02T03:04:05.000Z"

# Sentinel-2's MGRS grid: latitude bands C..X without I and O, 100-km squares named by a column
# letter (A..Z without I and O) and a row letter (A..V without I and O).
BANDS = "CDEFGHJKLMNPQRSTUVWX"
SQUARE_COLUMNS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
SQUARE_ROWS = "ABCDEFGHJKLMNPQRSTUV"


def tree_keys(count, seed):
    """`count` keys of the Sentinel-2 layout."""
    rng = random.Random(seed)
    squares = []
    for zone in range(1, 61):
        for band in BANDS:
            names = [c + r for c in SQUARE_COLUMNS for r in SQUARE_ROWS]
            for square in rng.sample(names, rng.randint(20, 100)):
                squares.append((zone, band, square))
    rng.shuffle(squares)
    keys = []
    for zone, band, square in squares:
        if len(keys) >= count:
            break
        # The scenes of one square: a few years, a few months each, a few passes a month.
        scenes = []
        for year in rng.sample(range(2017, 2025), rng.randint(1, 4)):
            for month in rng.sample(range(1, 13), rng.randint(1, 5)):
                for day in rng.sample(range(1, 29), rng.randint(1, 3)):
                    scenes.append((year, month, day))
        for year, month, day in scenes:
            sat = "S2A" if (day + month) % 2 else "S2B"
            scene = f"{sat}_{zone}{band}{square}_{year}{month:02d}{day:02d}_0_L2A"
            keys.append(f"tiles/{zone}/{band}/{square}/{year}/{month}/{scene}/B01.tif")
            if len(keys) >= count:
                break
    if len(keys) < count:
        raise SystemExit(f"list_server.py: the tree layout holds at most {len(keys)} keys with this seed")
    return keys


def flat_keys(count, seed):
    """`count` distinct hex names in one folder."""
    rng = random.Random(seed)
    names = set()
    while len(names) < count:
        names.add(f"flat/{rng.getrandbits(64):016x}.tif")
    return list(names)


def file_keys(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.rstrip("\n")]


def make_layout(spec, count, seed):
    """(bucket name, sorted distinct keys) of a --layout value."""
    if spec == "tree":
        keys = tree_keys(count, seed)
    elif spec == "flat":
        keys = flat_keys(count, seed)
    elif spec.startswith("file:") and "=" in spec:
        name, path = spec[5:].split("=", 1)
        return name, sorted(set(file_keys(path)))
    else:
        raise SystemExit(f"list_server.py: unknown layout {spec!r} (tree, flat, file:NAME=PATH)")
    # Code-point order of str is UTF-8 byte order, S3's listing order.
    return spec, sorted(set(keys))


def after_prefix(prefix):
    """The smallest string greater than every string that starts with `prefix` (None: none)."""
    while prefix:
        last = ord(prefix[-1])
        if last < sys.maxunicode:
            return prefix[:-1] + chr(last + 1)
        prefix = prefix[:-1]
    return None


class Stats:
    FIELDS = ("list_requests", "delimiter_requests", "start_after_requests", "continued_requests",
              "keys_sent", "prefixes_sent", "in_flight", "max_in_flight", "errors")

    def __init__(self):
        self.reset()

    def reset(self):
        for f in self.FIELDS:
            setattr(self, f, 0)

    def as_dict(self):
        return {f: getattr(self, f) for f in self.FIELDS}


class Bucket:
    def __init__(self, name, keys):
        self.name = name
        self.keys = keys
        self.stats = Stats()

    def page(self, prefix, delimiter, start, max_keys):
        """Entries from index `start`: ([("k", key) | ("p", common prefix)], truncated, next marker)."""
        keys = self.keys
        end = len(keys) if not prefix else bisect.bisect_left(keys, after_prefix(prefix) or "\U0010ffff" * 2)
        entries = []
        i = start
        while i < end and len(entries) < max_keys:
            key = keys[i]
            if delimiter:
                cut = key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = key[:cut + len(delimiter)]
                    entries.append(("p", common))
                    nxt = after_prefix(common)
                    i = end if nxt is None else max(i + 1, bisect.bisect_left(keys, nxt, i, end))
                    continue
            entries.append(("k", key))
            i += 1
        return entries, i < end, i

    def first_index(self, prefix, start_after):
        i = bisect.bisect_left(self.keys, prefix)
        if start_after is not None:
            i = max(i, bisect.bisect_right(self.keys, start_after))
        return i


def encode_token(bucket, index, key):
    # Opaque to clients, as S3's: the index of the next key, and that key to check it is still there.
    raw = json.dumps([bucket, index, key]).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode()


def decode_token(token):
    try:
        bucket, index, key = json.loads(zlib.decompress(base64.urlsafe_b64decode(token.encode())))
        return bucket, int(index), key
    except Exception:
        return None


def s3_error(status, code, message, resource=""):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code + "</Code><Message>" +
            escape(message) + "</Message><Resource>" + escape(resource) +
            "</Resource><RequestId>0</RequestId></Error>")
    return status, "application/xml", body.encode()


class Server:
    def __init__(self, buckets, latency):
        self.buckets = {b.name: b for b in buckets}
        self.latency = latency

    def stats(self):
        total = Stats()
        for b in self.buckets.values():
            for f in Stats.FIELDS:
                setattr(total, f, getattr(total, f) + getattr(b.stats, f))
        total.max_in_flight = max((b.stats.max_in_flight for b in self.buckets.values()), default=0)
        return {"total": total.as_dict(), "buckets": {n: b.stats.as_dict() for n, b in self.buckets.items()}}

    async def list_objects(self, bucket, query, path):
        params = urllib.parse.parse_qs(query, keep_blank_values=True)

        def one(name):
            values = params.get(name)
            return values[-1] if values else None

        if one("list-type") != "2":
            return s3_error(400, "InvalidArgument", "only ListObjectsV2 (list-type=2) is served", path)
        prefix = one("prefix") or ""
        delimiter = one("delimiter") or ""
        encoding = one("encoding-type")
        if encoding not in (None, "url"):
            return s3_error(400, "InvalidArgument", "Invalid Encoding Method specified in Request", path)
        max_keys_text = one("max-keys")
        try:
            max_keys = MAX_KEYS if max_keys_text is None else int(max_keys_text)
            if max_keys < 0:
                raise ValueError
        except ValueError:
            return s3_error(400, "InvalidArgument", "Provided max-keys not an integer or within integer range", path)
        max_keys = min(max_keys, MAX_KEYS)
        token = one("continuation-token")
        start_after = one("start-after")
        stats = bucket.stats
        stats.list_requests += 1
        stats.delimiter_requests += bool(delimiter)
        stats.start_after_requests += start_after is not None and token is None
        stats.continued_requests += token is not None
        if token is not None:
            decoded = decode_token(token)
            if decoded is None or decoded[0] != bucket.name:
                stats.errors += 1
                return s3_error(400, "InvalidArgument", "The continuation token provided is incorrect", path)
            _, start, key = decoded
            # The key set is fixed, so the index is still right; check it anyway.
            if start < len(bucket.keys) and bucket.keys[start] != key:
                stats.errors += 1
                return s3_error(400, "InvalidArgument", "The continuation token provided is incorrect", path)
        else:
            start = bucket.first_index(prefix, start_after)
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            # The page is found now and sent after the latency: the key set never changes.
            entries, truncated, next_index = bucket.page(prefix, delimiter, start, max_keys)
            await asyncio.sleep(self.latency)
        finally:
            stats.in_flight -= 1
        return 200, "application/xml", self.render(bucket, prefix, delimiter, start_after, token, encoding,
                                                   max_keys, entries, truncated, next_index)

    def render(self, bucket, prefix, delimiter, start_after, token, encoding, max_keys, entries, truncated,
               next_index):
        if encoding == "url":
            def text(value):
                return urllib.parse.quote_plus(value, safe="/")
        else:
            def text(value):
                return escape(value)
        # Element order as S3 sends it.
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
               '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
               f"<Name>{escape(bucket.name)}</Name><Prefix>{text(prefix)}</Prefix>"]
        if token is not None:
            out.append(f"<ContinuationToken>{escape(token)}</ContinuationToken>")
        if truncated:
            next_key = bucket.keys[next_index]
            out.append(f"<NextContinuationToken>{encode_token(bucket.name, next_index, next_key)}"
                       "</NextContinuationToken>")
        out.append(f"<KeyCount>{len(entries)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>")
        if delimiter:
            out.append(f"<Delimiter>{text(delimiter)}</Delimiter>")
        if encoding == "url":
            out.append("<EncodingType>url</EncodingType>")
        out.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
        prefixes = []
        for kind, value in entries:
            if kind == "p":
                prefixes.append(value)
                continue
            crc = zlib.crc32(value.encode())
            out.append(f"<Contents><Key>{text(value)}</Key><LastModified>{LAST_MODIFIED}</LastModified>"
                       f"<ETag>&quot;{crc:08x}{crc ^ 0x5bd1e995:08x}{len(value):016x}&quot;</ETag>"
                       f"<Size>{1_000_000 + crc % 100_000_000}</Size><StorageClass>STANDARD</StorageClass>"
                       "</Contents>")
        for value in prefixes:
            out.append(f"<CommonPrefixes><Prefix>{text(value)}</Prefix></CommonPrefixes>")
        if start_after is not None and token is None:
            out.append(f"<StartAfter>{text(start_after)}</StartAfter>")
        out.append("</ListBucketResult>")
        bucket.stats.keys_sent += len(entries) - len(prefixes)
        bucket.stats.prefixes_sent += len(prefixes)
        return "".join(out).encode()

    async def respond(self, method, target):
        split = urllib.parse.urlsplit(target)
        path = urllib.parse.unquote(split.path)
        if path == "/_stats" and method == "GET":
            return 200, "application/json", json.dumps(self.stats()).encode()
        if path == "/_stats/reset" and method == "POST":
            before = self.stats()
            for b in self.buckets.values():
                b.stats.reset()
            return 200, "application/json", json.dumps(before).encode()
        parts = path.lstrip("/").split("/", 1)
        bucket = self.buckets.get(parts[0])
        if bucket is None:
            return s3_error(404, "NoSuchBucket", "The specified bucket does not exist", path)
        if len(parts) == 1 or parts[1] == "":
            if method == "HEAD":
                return 200, "application/xml", b""
            if method == "GET":
                return await self.list_objects(bucket, split.query, path)
            return s3_error(405, "MethodNotAllowed", "The specified method is not allowed", path)
        return s3_error(404, "NoSuchKey", "The specified key does not exist", path)

    async def handle(self, reader, writer):
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ", 2)
                except ValueError:
                    return
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(min(length, 1 << 20))
                status, ctype, body = await self.respond(method, target)
                reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}.get(status, "")
                close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
                head_out = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                            f"Content-Length: {len(body)}\r\nx-amz-request-id: 0\r\n"
                            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n")
                writer.write(head_out.encode() + (b"" if method == "HEAD" else body))
                await writer.drain()
                if close:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()


async def serve(args, buckets):
    server = Server(buckets, args.latency)
    srv = await asyncio.start_server(server.handle, "127.0.0.1", args.port, limit=MAX_HEADER_BYTES, backlog=4096)
    port = srv.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    sizes = ", ".join(f"{b.name}: {len(b.keys)} keys" for b in buckets)
    print(f"list_server.py: 127.0.0.1:{port}, {args.latency} s a page, {sizes}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with srv:
        await stop.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: a free port (see --port-file)")
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds before each page is sent")
    parser.add_argument("--keys", type=int, default=1_000_000, help="keys of each generated layout")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--layout", action="append", help="tree, flat or file:NAME=PATH (repeatable)")
    parser.add_argument("--dump-keys", metavar="LAYOUT", help="print the layout's keys, sorted, and exit")
    args = parser.parse_args()
    if args.keys < 1:
        parser.error("--keys must be at least 1")
    if args.dump_keys:
        _, keys = make_layout(args.dump_keys, args.keys, args.seed)
        out = sys.stdout
        for key in keys:
            out.write(key + "\n")
        return
    buckets = [Bucket(*make_layout(spec, args.keys, args.seed)) for spec in (args.layout or ["tree", "flat"])]
    asyncio.run(serve(args, buckets))


if __name__ == "__main__":
    main()
