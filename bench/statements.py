#!/usr/bin/env python3
"""SQL statements per request of the hot endpoints, read from `Server-Timing`.

  bench/statements.py BASE_URL

Registers a throw-away user, creates a category, a bulk of 1000 todos with
tags, then calls each hot endpoint once and prints how many SQL statements
it ran (the `desc="N queries"` of its Server-Timing header). Standard
library only; talks to BASE_URL and nothing else.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
import uuid

BASE = sys.argv[1].rstrip("/") + "/api/v1"


def call(method: str, path: str, body: object = None, token: str | None = None) -> tuple[int, dict, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            raw = resp.read()
            return resp.status, dict(resp.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        sys.exit(f"{method} {path}: {err.code} {err.read()[:300]!r}")


def statements(headers: dict) -> int:
    timing = headers.get("Server-Timing") or headers.get("server-timing") or ""
    match = re.search(r'desc="(\d+) quer', timing)
    if not match:
        sys.exit(f"no statement count in Server-Timing: {timing!r}")
    return int(match.group(1))


def main() -> None:
    name = "stmts" + uuid.uuid4().hex[:8]
    call("POST", "/auth/register", {"email": f"{name}@example.com", "username": name, "password": "Stmts-pass-123"})
    _, _, tokens = call("POST", "/auth/login", {"email": f"{name}@example.com", "password": "Stmts-pass-123"})
    token = tokens["access_token"]
    _, _, category = call("POST", "/categories", {"name": "Work"}, token)
    items = [{"title": f"Todo {i}", "priority": "high", "due_date": "2027-01-15T09:00:00Z",
              "category_id": category["id"], "tags": [f"tag-{i % 20:02d}", f"tag-{(i + 7) % 20:02d}", "bench"]}
             for i in range(1000)]
    rows = []
    _, headers, created = call("POST", "/todos/bulk", {"items": items}, token)
    rows.append(("POST /todos/bulk (1000 items, 21 tags)", statements(headers)))
    todo = created["items"][0]
    for label, path in [("GET /todos?size=50", "/todos?size=50"),
                        ("GET /todos?size=50&status=pending&sort_by=due_date",
                         "/todos?size=50&status=pending&sort_by=due_date"),
                        (f"GET /todos/{{id}}", f"/todos/{todo['id']}")]:
        _, headers, _ = call("GET", path, token=token)
        rows.append((label, statements(headers)))
    _, headers, _ = call("POST", "/todos", {"title": "One more", "category_id": category["id"],
                                            "tags": ["wrk", "load"]}, token)
    rows.append(("POST /todos", statements(headers)))
    _, headers, _ = call("PATCH", f"/todos/{todo['id']}", {"priority": "low", "version": todo["version"]}, token)
    rows.append(("PATCH /todos/{id}", statements(headers)))
    for label, n in rows:
        print(f"STMTS {n:>3}  {label}")


if __name__ == "__main__":
    main()
