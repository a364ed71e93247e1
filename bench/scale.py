#!/usr/bin/env python3
"""The HTTP side of bench/scale.sh: seeds one user's large todo list, measures, reports.

  scale.py check   --base URL --size N      # exit 0 when the data set is there, 1 otherwise
  scale.py seed    --base URL --size N      # seeds an empty database through POST /todos/bulk
  scale.py measure --base URL --size N --out DIR --engine E --dsn DSN
  scale.py report  OUT                      # Markdown tables of every measured engine and size

The data set: the owner holds N todos (5 categories, about 1 in 10 without one; 2-3
of the 20 tags `tag-01`..`tag-20`, every name equally likely; statuses pending 50 %,
in progress 20 %, completed 25 %, archived 5 %; 80 % with a due date within 60 days
either side of the seeding, so some are overdue; SEARCH_WORD in about 5 % of titles and
in no description), and OTHERS other users hold OTHER_TODOS todos each alike. Everything
goes through the API (bulks of 1000, CONCURRENCY clients at once), so the rows are the
ones the API writes.

`measure` times each request on one keep-alive connection (REPEAT times after one
warm-up, median of the `db` entry of `Server-Timing` and of the wall time), then drives
it with wrk (CONNECTIONS connections, WARMUP s then DURATION s). The writes come last, as
the owner, with titles starting `scale-write `; those rows are deleted with SQL after each
write measurement (`DELETE ... WHERE title LIKE 'scale-write %'`, the tag links and
history following by their foreign keys), so the data set stays as seeded for the next
request and the next run. Standard library only; talks to BASE_URL, wrk, and the
database of DSN (psql, or Python's sqlite3) for that deletion alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
PASSWORD = "Scale-pass-123"
OWNER = "scale-owner"
BULK = 1000
N_CATEGORIES = 5
TAGS = [f"tag-{k:02d}" for k in range(1, 21)]
SEARCH_WORD = "invoice"
SEARCH_SHARE = 0.05
MAX_DEPTH = 500_000
PAGE_SIZE = 50
OFFSET_PAGE = 10_000
OFFSET_DEPTH = (OFFSET_PAGE - 1) * PAGE_SIZE + 1  # the first row of that page
VERBS = "write review call plan fix deploy draft book buy clean update refactor test design renew check".split()
NOUNS = ("report code team sprint bug release email flight groceries desk docs module api schema "
         "meeting notes budget backup server license roadmap contract slides").split()
STATUSES = ["pending", "in_progress", "completed", "archived"]
STATUS_WEIGHTS = [50, 20, 25, 5]
PRIORITIES = ["low", "medium", "high", "urgent"]
SORTS = ["created_at", "updated_at", "due_date", "priority", "title"]
WRITE_PREFIX = "scale-write"
assert not any(SEARCH_WORD in w for w in VERBS + NOUNS)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


class Api:
    """One keep-alive connection to the API."""

    def __init__(self, base: str) -> None:
        url = urlparse(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        self.token: str | None = None

    def call(self, method: str, path: str, body: object = None) -> tuple[int, dict[str, str], object, float]:
        """Status, headers (lower-case names), decoded body, wall milliseconds."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (0, 1):
            try:
                start = time.perf_counter()
                self.conn.request(method, "/api/v1" + path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                wall = (time.perf_counter() - start) * 1000
                break
            except (http.client.HTTPException, ConnectionError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        heads = {k.lower(): v for k, v in resp.getheaders()}
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors="replace")
        return resp.status, heads, decoded, wall

    def must(self, expected: int, method: str, path: str, body: object = None) -> tuple[dict[str, str], object, float]:
        status, heads, decoded, wall = self.call(method, path, body)
        if status != expected:
            sys.exit(f"{method} {path}: expected {expected}, got {status}: {str(decoded)[:500]}")
        return heads, decoded, wall

    def login(self, name: str, register: bool) -> bool:
        """Logs in as `name` (registering it first when asked); False when it cannot."""
        self.token = None
        if register:
            status, _, body, _ = self.call("POST", "/auth/register", {
                "email": f"{name}@example.com", "username": name, "password": PASSWORD})
            if status not in (201, 409):
                sys.exit(f"register {name}: {status}: {body}")
        status, _, body, _ = self.call("POST", "/auth/login",
                                       {"email": f"{name}@example.com", "password": PASSWORD})
        if status != 200:
            if register:
                sys.exit(f"login {name}: {status}: {body}")
            return False
        self.token = body["access_token"]  # type: ignore[index]
        return True


def users(size: int) -> list[tuple[str, int]]:
    """(name, todos) of every seeded user, the owner first."""
    others = env_int("OTHERS", 9)
    other_todos = env_int("OTHER_TODOS", 10_000)
    return [(OWNER, size)] + [(f"scale-other{k}", other_todos) for k in range(1, others + 1)]


def items(seed: int, start: int, count: int, categories: list[str], prefix: str = "") -> list[dict[str, object]]:
    """`count` todo bodies, numbered from `start`, the same for the same seed."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    out = []
    for i in range(start, start + count):
        noun = SEARCH_WORD if rng.random() < SEARCH_SHARE else rng.choice(NOUNS)
        due = None
        if rng.random() < 0.8:
            due = (now + timedelta(minutes=rng.randint(-60 * 1440, 60 * 1440))).strftime("%Y-%m-%dT%H:%M:%SZ")
        description = None
        if rng.random() < 0.7:
            description = " ".join(rng.choice(VERBS + NOUNS) for _ in range(rng.randint(4, 16)))
        item: dict[str, object] = {
            "title": f"{prefix}{rng.choice(VERBS).capitalize()} {noun} {i}",
            "description": description,
            "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
            "priority": rng.choice(PRIORITIES),
            "due_date": due,
            "tags": rng.sample(TAGS, rng.choice((2, 3))),
        }
        if rng.random() < 0.9:
            item["category_id"] = rng.choice(categories)
        out.append(item)
    return out


def live_total(api: Api) -> int:
    _, page, _ = api.must(200, "GET", "/todos?size=1")
    return int(page["total"])  # type: ignore[index]


def cmd_check(args: argparse.Namespace) -> None:
    api = Api(args.base)
    for name, count in users(args.size):
        if not api.login(name, register=False):
            print(f"  {name}: absent", file=sys.stderr)
            sys.exit(1)
        total = live_total(api)
        if total != count:
            print(f"  {name}: {total} todos, not {count}", file=sys.stderr)
            sys.exit(1)
    print(f"  kept: {args.size} todos of the owner and the other users' rows", file=sys.stderr)


def categories(api: Api) -> list[str]:
    ids = []
    for k in range(1, N_CATEGORIES + 1):
        _, body, _ = api.must(201, "POST", "/categories",
                              {"name": f"Category {k}", "color": f"#{(k * 0x335577) % 0xFFFFFF:06x}"})
        ids.append(body["id"])  # type: ignore[index]
    return ids


def cmd_seed(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    jobs = []
    for n, (name, count) in enumerate(users(args.size)):
        api = Api(args.base)
        api.login(name, register=True)
        if live_total(api):
            sys.exit(f"{name} already holds todos: seed an empty database")
        cats = categories(api)
        for tag in TAGS:
            api.must(201, "POST", "/tags", {"name": tag})
        for start in range(0, count, BULK):
            jobs.append((api.token, 1_000_003 * n + start, start, min(BULK, count - start), cats))
    # The owner's chunks and the others' interleave, as users writing side by side would.
    jobs.sort(key=lambda job: job[2])
    clients = [Api(args.base) for _ in range(args.concurrency)]
    done = [0]

    def run(k: int) -> None:
        for token, seed, start, count, cats in jobs[k::args.concurrency]:
            api = clients[k]
            api.token = token
            api.must(201, "POST", "/todos/bulk", {"items": items(seed, start, count, cats)})
            done[0] += count
            if done[0] % 100_000 < BULK:
                print(f"  {done[0]} todos in {time.perf_counter() - started:.0f}s", file=sys.stderr)

    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(run, range(args.concurrency)))
    print(f"  seeded {done[0]} todos in {time.perf_counter() - started:.1f}s", file=sys.stderr)


# ---------------------------------------------------------------- measure

def server_db_ms(heads: dict[str, str]) -> tuple[float, int]:
    timing = heads.get("server-timing", "")
    match = re.search(r'db;dur=([\d.]+)(?:;desc="(\d+) quer)?', timing)
    if not match:
        sys.exit(f"no db entry in Server-Timing: {timing!r}")
    return float(match[1]), int(match[2] or 0)


def delete_writes(engine: str, dsn: str) -> int:
    """Deletes the rows the write measurements made, 1000 a transaction (as a bulk
    writes them: the rows' triggers then cost what they cost the API); how many."""
    stmt = (f"DELETE FROM todos WHERE id IN "
            f"(SELECT id FROM todos WHERE title LIKE '{WRITE_PREFIX} %' LIMIT {BULK})")
    total = 0
    if engine == "postgres":
        counted = f"WITH gone AS ({stmt} RETURNING 1) SELECT count(*) FROM gone"
        while True:
            out = subprocess.run(["psql", dsn, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", counted],
                                 check=True, capture_output=True, text=True).stdout
            total += int(out.strip())
            if int(out.strip()) == 0:
                return total
    conn = sqlite3.connect(dsn, timeout=60)
    conn.execute("PRAGMA foreign_keys = ON")
    while True:
        with conn:
            n = conn.execute(stmt).rowcount
        total += n
        if n == 0:
            conn.close()
            return total


def quiesce(base: str, engine: str, dsn: str) -> None:
    """Waits until the server and the database are idle.

    wrk stops with requests in flight, and a statement the server gave up on may still
    run in PostgreSQL: the next measurement must not share the machine with them, nor
    the deletion of written rows miss a write that commits later. Idle: no pool
    connection in use (`db_pool_connections{state="in_use"}` of `/metrics`) and, on
    PostgreSQL, no other active statement in the database, three looks in a row.
    """
    url = urlparse(base)
    quiet, deadline = 0, time.monotonic() + 600
    while quiet < 3 and time.monotonic() < deadline:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
        match = re.search(r'^db_pool_connections\{state="in_use"\} (\d+)', text, re.M)
        busy = int(match[1]) if match else 0
        if engine == "postgres":
            out = subprocess.run(["psql", dsn, "-qAt", "-c",
                                  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND backend_type = 'client backend' AND state = 'active' "
                                  "AND pid <> pg_backend_pid()"],
                                 check=True, capture_output=True, text=True).stdout
            busy += int(out.strip())
        quiet = 0 if busy else quiet + 1
        time.sleep(0.2)


def wrk(script: str, url: str, args: list[str], out: Path, idle) -> dict[str, float]:
    cmd = ["wrk", f"-t{env_int('THREADS', 2)}", f"-c{env_int('CONNECTIONS', 16)}",
           "--timeout", os.environ.get("WRK_TIMEOUT", "60s"), "-s", str(HERE / "wrk" / script), url, "--", *args]
    warmup = env_int("WARMUP", 2)
    if warmup:
        subprocess.run(cmd[:1] + [f"-d{warmup}s"] + cmd[1:], check=True, capture_output=True)
        idle()
    res = subprocess.run(cmd[:1] + [f"-d{env_int('DURATION', 10)}s"] + cmd[1:], check=True,
                         capture_output=True, text=True)
    idle()
    out.write_text(res.stdout + res.stderr)
    line = next((ln for ln in res.stdout.splitlines() if ln.startswith("WRKRESULT")), None)
    if line is None:
        sys.exit(f"wrk printed no result for {url}:\n{res.stdout}{res.stderr}")
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def cmd_measure(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    repeat = env_int("REPEAT", 9)
    api = Api(args.base)
    api.login(OWNER, register=False) or sys.exit("the owner cannot log in")
    token = api.token or ""
    _, cats, _ = api.must(200, "GET", "/categories?size=100")
    category = cats["items"][0]["id"]  # type: ignore[index]
    total = live_total(api)
    # A cursor at a depth, without walking there: an offset page of one row answers
    # `next_cursor` (API.md: every answer of GET /todos carries it), which points right
    # after that row, so `page=D&size=1` gives the cursor after the D-th todo of the
    # default sort. Checked below against `page=D+1`: the cursor page must start there.
    depth = min(MAX_DEPTH, total // 2)
    _, at, _ = api.must(200, "GET", f"/todos?page={depth}&size=1")
    cursor = at["next_cursor"]  # type: ignore[index]
    _, following, _ = api.must(200, "GET", f"/todos?page={depth + 1}&size=1")
    _, walked, _ = api.must(200, "GET", f"/todos?cursor={cursor}&size={PAGE_SIZE}")
    if walked["items"][0]["id"] != following["items"][0]["id"]:  # type: ignore[index]
        sys.exit("the cursor built from the offset page does not continue at its depth")
    print(f"  owner holds {total} todos; cursor at depth {depth}", file=sys.stderr)

    lists = [
        ("first", "first page", f"/todos?size={PAGE_SIZE}"),
        ("status_due", "`status=pending&sort_by=due_date`",
         f"/todos?size={PAGE_SIZE}&status=pending&sort_by=due_date"),
        ("tag", "`tag=tag-07`", f"/todos?size={PAGE_SIZE}&tag=tag-07"),
        ("search", f"`search={SEARCH_WORD}`", f"/todos?size={PAGE_SIZE}&search={SEARCH_WORD}"),
        ("cursor", f"`cursor=` at depth {depth:,}", f"/todos?size={PAGE_SIZE}&cursor={cursor}"),
        ("offset", f"`page={OFFSET_PAGE}` (offset)", f"/todos?size={PAGE_SIZE}&page={OFFSET_PAGE}"),
        ("stats", "`GET /todos/stats`", "/todos/stats"),
    ]
    sorts = [(f"sort_{s}", f"sort_by={s}, page=100", f"/todos?size={PAGE_SIZE}&page=100&sort_by={s}")
             for s in SORTS]
    base = args.base.rstrip("/") + "/api/v1"
    counter = [0]

    def idle() -> None:
        quiesce(args.base, args.engine, args.dsn)

    def single() -> dict[str, object]:
        counter[0] += 1
        return {"title": f"{WRITE_PREFIX} single {counter[0]}", "status": "pending", "priority": "high",
                "due_date": "2027-01-15T09:00:00Z", "category_id": category, "tags": ["tag-01", "tag-02"]}

    def bulk() -> dict[str, object]:
        counter[0] += 1
        return {"items": items(counter[0], 0, BULK, [category], prefix=f"{WRITE_PREFIX} ")}

    result: dict[str, object] = {"engine": args.engine, "size": args.size, "total": total, "depth": depth,
                                 "repeat": repeat, "server": os.environ.get("SCALE_SERVER", ""),
                                 "connections": env_int("CONNECTIONS", 16), "duration": env_int("DURATION", 10),
                                 "measured": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                 "rows": {}}
    rows: dict[str, dict[str, object]] = result["rows"]  # type: ignore[assignment]

    def timed(key: str, label: str, method: str, path: str, body=None, expected: int = 200) -> None:
        db, wall, queries = [], [], 0
        for n in range(repeat + 1):
            heads, _, ms = api.must(expected, method, path, body() if body else None)
            dur, queries = server_db_ms(heads)
            if n:  # the first is the warm-up
                db.append(dur)
                wall.append(ms)
        rows[key] = {"label": label, "db_ms": statistics.median(db), "wall_ms": statistics.median(wall),
                     "db_runs": db, "queries": queries}
        print(f"  {label}: db {statistics.median(db):.2f} ms ({queries} queries), "
              f"wall {statistics.median(wall):.2f} ms", file=sys.stderr)

    for key, label, path in lists + sorts:
        timed(key, label, "GET", path)
    timed("post", "`POST /todos`", "POST", "/todos", single, 201)
    timed("bulk", "`POST /todos/bulk`, 1000 items", "POST", "/todos/bulk", bulk, 201)
    print(f"  deleted {delete_writes(args.engine, args.dsn)} written rows", file=sys.stderr)

    for key, label, path in lists:
        rows[key]["wrk"] = wrk("get_auth.lua", base + path, [token], out / f"wrk_{key}.txt", idle)
        print(f"  {label}: {rows[key]['wrk']}", file=sys.stderr)
    for key, script in (("post", "scale_post.lua"), ("bulk", "scale_bulk.lua")):
        path = "/todos/bulk" if key == "bulk" else "/todos"
        rows[key]["wrk"] = wrk(script, base + path, [token, category], out / f"wrk_{key}.txt", idle)
        rows[key]["written"] = delete_writes(args.engine, args.dsn)
        print(f"  {rows[key]['label']}: {rows[key]['wrk']}; deleted {rows[key]['written']} written rows",
              file=sys.stderr)
    (out / "result.json").write_text(json.dumps(result, indent=1))


# ---------------------------------------------------------------- report

ENGINES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}


def short(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def ratio_cell(key: str, first: dict, last: dict) -> str:
    """The ratio of the database times; none where the smaller size gives no base for one."""
    if key == "offset" and first["total"] < OFFSET_DEPTH:
        return "— (past the end)"
    base = first["rows"][key]["db_ms"]
    if base < 0.1:  # below the resolution of Server-Timing
        return "—"
    return f"{last['rows'][key]['db_ms'] / base:.1f}×"


def cmd_report(args: argparse.Namespace) -> None:
    out = Path(args.out)
    found: dict[str, dict[int, dict]] = {}
    for path in sorted(out.glob("*/*/result.json")):
        res = json.loads(path.read_text())
        found.setdefault(res["engine"], {})[res["size"]] = res
    for engine, by_size in found.items():
        sizes = sorted(by_size)
        first, last = by_size[sizes[0]], by_size[sizes[-1]]
        any_res = by_size[sizes[0]]
        print(f"\n### {ENGINES.get(engine, engine)}\n")
        ratio = f" Ratio: {short(sizes[-1])} over {short(sizes[0])}." if len(sizes) > 1 else ""
        servers = sorted({by_size[s].get("server") or "unrecorded" for s in sizes})
        when = ", ".join(f"{short(s)} at {by_size[s].get('measured', '?')}" for s in sizes)
        print(f"Database time from `Server-Timing` on one connection (median of {any_res['repeat']}); "
              f"wrk at {any_res.get('connections', 16)} connections, {any_res.get('duration', 10)} s.{ratio} "
              f"Server {' and '.join(servers)}; measured {when}.\n")
        head = ["request (pages of 50)", "stmts"] + [f"db ms {short(s)}" for s in sizes]
        if len(sizes) > 1:
            head.append("ratio")
        for s in sizes:
            head += [f"p50 / p99 ms {short(s)}", f"req/s {short(s)}"]
        print("| " + " | ".join(head) + " |")
        print("| --- |" + " ---: |" * (len(head) - 1))
        for key, row in first["rows"].items():
            if key.startswith("sort_"):
                continue
            label = row["label"]
            if key == "cursor":
                label = "`cursor=` at depth " + " / ".join(f"{by_size[s]['depth']:,}" for s in sizes)
            stmts = [str(by_size[s]["rows"][key]["queries"]) for s in sizes]
            cells = [label, " / ".join(dict.fromkeys(stmts)) if len(set(stmts)) > 1 else stmts[0]] + [f"{by_size[s]['rows'][key]['db_ms']:.1f}" for s in sizes]
            if len(sizes) > 1:
                cells.append(ratio_cell(key, first, last))
            for s in sizes:
                w = by_size[s]["rows"][key].get("wrk")
                if not w:
                    cells += ["", ""]
                    continue
                bad = int(w["non2xx"] + w["errors"])
                note = f" ({bad} failed)" if bad else ""
                if not w["requests"]:
                    cells += ["none completed", f"0{note}"]
                    continue
                cells += [f"{w['p50_ms']:.1f} / {w['p99_ms']:.1f}", f"{w['rps']:,.1f}{note}"]
            print("| " + " | ".join(cells) + " |")
        print(f"\nEvery `sort_by` at `page=100` (size {PAGE_SIZE}), database time in ms, one connection:\n")
        head = ["sort_by"] + [f"db ms {short(s)}" for s in sizes] + (["ratio"] if len(sizes) > 1 else [])
        print("| " + " | ".join(head) + " |")
        print("| --- |" + " ---: |" * (len(head) - 1))
        for s_key in SORTS:
            key = f"sort_{s_key}"
            cells = [f"`{s_key}`"] + [f"{by_size[s]['rows'][key]['db_ms']:.1f}" for s in sizes]
            if len(sizes) > 1:
                cells.append(ratio_cell(key, first, last))
            print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("check", "seed", "measure"):
        p = sub.add_parser(name)
        p.add_argument("--base", required=True)
        p.add_argument("--size", type=int, required=True)
        p.add_argument("--concurrency", type=int, default=2)
        p.add_argument("--out")
        p.add_argument("--engine", choices=sorted(ENGINES))
        p.add_argument("--dsn")
    sub.add_parser("report").add_argument("out")
    args = parser.parse_args()
    {"check": cmd_check, "seed": cmd_seed, "measure": cmd_measure, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
