"""The tokens our credential test servers issued, shared with the data servers that accept them.

One line per token in a text file: TOKEN <TAB> EXPIRY (Unix seconds, float) <TAB> SCOPE.
Issuers append under an exclusive flock; data servers read the whole file under a shared one.
A token is valid while its expiry is in the future. Test support only (stdlib).
"""
import fcntl
import time


def record(path, token, expiry, scope=""):
    with open(path, "a", encoding="ascii") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(f"{token}\t{expiry:.3f}\t{scope}\n")
        f.flush()
        fcntl.flock(f, fcntl.LOCK_UN)


def lookup(path, token):
    """(expiry, scope) of an issued token, or None."""
    try:
        with open(path, "r", encoding="ascii") as f:
            fcntl.flock(f, fcntl.LOCK_SH)
            lines = f.read().splitlines()
            fcntl.flock(f, fcntl.LOCK_UN)
    except FileNotFoundError:
        return None
    for line in lines:
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == token:
            return float(parts[1]), parts[2]
    return None


def check(path, token):
    """'ok', 'expired' or 'unknown'."""
    found = lookup(path, token)
    if found is None:
        return "unknown"
    return "ok" if found[0] > time.time() else "expired"
