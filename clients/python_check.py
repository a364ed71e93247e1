"""Checks the Python client generated from the OpenAPI document.

Usage: python python_check.py DOCUMENT.json GENERATED_DIR BASE_URL

Every operation of the document has its module in the generated package (the
generator leaves out, with a warning, what it cannot express), and the client
answers the health check of the running server.
"""

import importlib
import json
import re
import sys
from pathlib import Path

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PACKAGE = "todo_api_client"


def snake(name: str) -> str:
    """The module name openapi-python-client gives an operation id."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-zA-Z0-9]+", "_", name).strip("_").lower()


def main() -> int:
    document_path, generated, base_url = sys.argv[1:4]
    document = json.loads(Path(document_path).read_text(encoding="utf-8"))
    operations = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation_id = item[method].get("operationId") or f"{method} {path}"
                operations[snake(operation_id)] = f"{method.upper()} {path}"

    package_dir = Path(generated) / PACKAGE
    modules = {
        p.stem for p in (package_dir / "api").rglob("*.py") if p.name != "__init__.py"
    }
    missing = sorted(f"{op} ({name})" for name, op in operations.items() if name not in modules)
    print(f"python: {len(modules)} endpoint modules for {len(operations)} operations")
    if missing:
        print(f"python: operations without a module: {', '.join(missing)}")
        return 1

    sys.path.insert(0, str(Path(generated).resolve()))
    client_module = importlib.import_module(PACKAGE)
    health_op = document["paths"]["/health"]["get"]
    module_name = snake(health_op["operationId"])
    [module_path] = [p for p in (package_dir / "api").rglob(f"{module_name}.py")]
    relative = module_path.relative_to(Path(generated)).with_suffix("")
    health = importlib.import_module(".".join(relative.parts))
    client = client_module.Client(base_url=base_url, raise_on_unexpected_status=True)
    response = health.sync_detailed(client=client)
    status = getattr(response.parsed, "status", None)
    if response.status_code != 200 or status != "ok":
        print(f"python: GET /health answered {response.status_code} with status {status!r}")
        return 1
    print(f"python: {'.'.join(relative.parts)}.sync_detailed() -> 200 status='ok'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
