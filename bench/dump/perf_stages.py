#!/usr/bin/env python3
"""Where the CPU of a `tiff-dumper headers` run goes, by stage of a header's way from key dequeue to
row appended: reads `perf script -F tid,ip,sym,dso` of a `perf record --call-graph dwarf` run and
sorts every sample into one stage (the outermost stage frame on its stack) and, across stages, by
what the leaf is (allocation, kernel, libcurl, ...). With --headers N, also microseconds of CPU per
header, taking the samples as 1/frequency seconds each.

  perf record -F 999 --call-graph dwarf,16384 -o perf.data tiff-dumper headers ...
  perf script -i perf.data -F tid,ip,sym,dso | bench/dump/perf_stages.py --hz 999 --headers 50000
"""
import argparse
import collections
import re
import sys

# Innermost match wins (stacks are walked from the leaf): a sample belongs to the deepest stage
# frame on its stack, so the engine's share is what libcurl and the loop do themselves, not the
# callbacks it runs. Order within the list does not matter; depth does.
STAGES = [
    ("row: encode (RowEncoder)", re.compile(r"RowEncoder::|BatchSink::append")),
    ("row: geo columns (GeoDeriver)", re.compile(r"GeoDeriver::|thread_geo_deriver")),
    ("row: aggregates (report)", re.compile(r"Aggregates::add")),
    ("row: counters, warnings, release", re.compile(r"Run::on_header|Run::release|note_row_warnings")),
    ("tiff: parse + checks + COG probe", re.compile(r"HeaderSession::|HeaderParser::|probe_cog|validate_cog")),
    ("store: response -> RangeRead", re.compile(r"range_read_from_response|redirect_step|annotate_transport")),
    ("store: request build (url, range)", re.compile(r"HttpStore::read_range|submit_get|url_for|percent_encode")),
    ("dispatch: key dequeue (main thread)", re.compile(r"Run::dispatch|BoundedQueue")),
    ("engine: start attempt (options, add_handle)", re.compile(r"EventLoop::start_attempt|EventLoop::take_incoming")),
    ("engine: completion (getinfo, remove_handle)", re.compile(r"EventLoop::on_done|EventLoop::drain_completions")),
    ("engine: submit (Transfer, header list)", re.compile(r"Engine.*::submit|Transfer::Transfer|EventLoop::enqueue")),
    ("engine: socket events (curl_multi_socket_action)", re.compile(r"EventLoop::wait_and_dispatch")),
    ("writer thread (Parquet)", re.compile(r"Run::write_job|ParquetWriter|Run::writer")),
]
LEAF_KINDS = [
    ("allocation (malloc/free)", re.compile(r"malloc|free|_int_|calloc|realloc|operator new|operator delete|unlink_chunk|tcache")),
    ("copy (memcpy/memmove)", re.compile(r"memcpy|memmove")),
]


def samples(stream):
    """(tid, frames leaf first as [symbol, library]) per sample of `perf script -F tid,ip,sym,dso`."""
    tid, frames = None, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if tid is not None:
                yield tid, frames
            tid, frames = None, []
            continue
        m = re.match(r"\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)$", line)
        if m and tid is not None:
            frames.append([m.group(2), m.group(3)])
        elif tid is None and line.split() and line.split()[0].isdigit():
            tid = line.split()[0]
    if tid is not None:
        yield tid, frames


def with_dsos(stream):
    # An inlined frame names no library: it is in the one of the next real frame up the stack.
    for tid, frames in samples(stream):
        dso = "?"
        for frame in reversed(frames):
            if frame[1] == "inlined":
                frame[1] = dso
            else:
                dso = frame[1]
        yield tid, frames


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hz", type=float, default=999)
    parser.add_argument("--headers", type=int, default=0)
    parser.add_argument("--cpu-us", type=float, default=0,
                        help="measured CPU per header of a run without perf: shares are scaled to it")
    args = parser.parse_args()
    by_stage = collections.Counter()
    by_stage_kind = collections.Counter()
    by_thread = collections.Counter()
    total = 0
    for tid, frames in with_dsos(sys.stdin):
        total += 1
        by_thread[tid] += 1
        stage = "other (start-up, listing, exit)"
        for sym, _dso in frames:  # leaf first
            hit = next((name for name, rx in STAGES if rx.search(sym)), None)
            if hit:
                stage = hit
                break
        leaf_sym, leaf_dso = frames[0] if frames else ("?", "?")
        kind = next((name for name, rx in LEAF_KINDS if rx.search(leaf_sym)), None)
        if kind is None:
            if "kernel" in leaf_dso:
                kind = "kernel"
            elif "libcurl" in leaf_dso:
                kind = "libcurl"
            elif "tiff-dumper" in leaf_dso:
                kind = "our code"
            else:
                kind = "other libraries"
        by_stage[stage] += 1
        by_stage_kind[(stage, kind)] += 1
    if total == 0:
        sys.exit("no samples")
    per = (1e6 / args.hz / args.headers) if args.headers else None
    if args.cpu_us:
        per = args.cpu_us / total
    kinds = [k for k, _ in LEAF_KINDS] + ["kernel", "libcurl", "our code", "other libraries"]
    print(f"{total} samples; threads by samples: " + ", ".join(f"{t}: {n * 100 / total:.1f}%" for t, n in by_thread.most_common(5)))
    head = f"{'stage':50s} {'share':>6s}" + (f" {'us/hdr':>7s}" if per else "") + "  " + "  ".join(f"{k.split(' ')[0]:>8s}" for k in kinds)
    print(head)
    for stage, n in by_stage.most_common():
        row = f"{stage:50s} {n * 100 / total:5.1f}%" + (f" {n * per:7.2f}" if per else "")
        row += "  " + "  ".join(f"{by_stage_kind[(stage, k)] * 100 / total:7.1f}%" for k in kinds)
        print(row)
    tot = f"{'total':50s} {100.0:5.1f}%" + (f" {total * per:7.2f}" if per else "")
    tot += "  " + "  ".join(f"{sum(v for (s, k), v in by_stage_kind.items() if k == kk) * 100 / total:7.1f}%" for kk in kinds)
    print(tot)


if __name__ == "__main__":
    main()
