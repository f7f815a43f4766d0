# pyshim's PEP 517 hook runner: runs one build backend hook in this
# process and writes its result as JSON.
#
# usage: python hooks.py HOOK REQUEST.json RESULT.json
#
# REQUEST.json: {"backend": "mod.sub:obj.attr", "backend_path": [...],
#                "kwargs": {...}}
# RESULT.json:  {"return": value} or {"missing": true} when the backend
#               lacks the hook, or {"error": "kind", "message": "..."}.
# The working directory is the source tree. Written for Python 3.6+.
import importlib
import json
import os
import sys
import traceback

# Hooks PEP 517/660 make optional, and what a missing one means.
OPTIONAL = {
    "get_requires_for_build_wheel": [],
    "get_requires_for_build_sdist": [],
    "get_requires_for_build_editable": [],
}


def load_backend(spec, backend_path):
    mod_name, _, obj_path = spec.partition(":")
    if backend_path:
        paths = [os.path.abspath(p) for p in backend_path]
        sys.path[:0] = paths
    module = importlib.import_module(mod_name)
    if backend_path:
        # PEP 517: an in-tree backend must come from backend-path.
        origin = os.path.abspath(getattr(module, "__file__", "") or "")
        if not any(origin == p or origin.startswith(p.rstrip(os.sep) + os.sep) for p in paths):
            raise BackendPathError("%s was imported from %s, not from backend-path %s" % (mod_name, origin, backend_path))
    obj = module
    for attr in filter(None, obj_path.split(".")):
        obj = getattr(obj, attr)
    return obj


class BackendPathError(Exception):
    pass


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def main():
    hook, request, result = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(request) as f:
        req = json.load(f)
    try:
        backend = load_backend(req["backend"], req.get("backend_path"))
    except BackendPathError as e:
        write(result, {"error": "backend-path", "message": str(e)})
        return 1
    except Exception:
        write(result, {"error": "backend-unavailable", "message": traceback.format_exc()})
        return 1
    fn = getattr(backend, hook, None)
    if fn is None:
        if hook in OPTIONAL:
            write(result, {"return": OPTIONAL[hook]})
        else:
            write(result, {"missing": True})
        return 0
    # Backend output goes to stderr, which pyshim shows when a build fails;
    # our stdout stays clean.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        value = fn(**req.get("kwargs", {}))
    except Exception:
        traceback.print_exc()
        write(result, {"error": "hook-failed", "message": traceback.format_exc()})
        return 1
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
    write(result, {"return": value})
    return 0


if __name__ == "__main__":
    sys.exit(main())
