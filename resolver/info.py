# pyshim interpreter-info query. Runs on Python 2.7, 3.6+ and PyPy; prints
# one JSON object. Keep it free of anything newer than 2.7 syntax.
import json, os, platform, sys
try:
    import sysconfig
except ImportError:
    sysconfig = None
try:
    import site
except ImportError:
    site = None

B = "@PYSHIM_BASE@"

def rel_paths(scheme):
    if sysconfig is None:
        return None
    try:
        if scheme not in sysconfig.get_scheme_names():
            return None
        v = {"base": B, "platbase": B, "installed_base": B, "installed_platbase": B}
        paths = sysconfig.get_paths(scheme=scheme, vars=v, expand=True)
    except Exception:
        return None
    out = {}
    for k, p in paths.items():
        if p.startswith(B):
            out[k] = p[len(B):].lstrip("/")
    return out

def venv_scheme():
    names = sysconfig.get_scheme_names() if sysconfig else ()
    if "venv" in names:
        return "venv"
    if platform.python_implementation() == "PyPy" and "pypy" in names:
        return "pypy"
    return "posix_prefix"

vi = sys.version_info
impl = platform.python_implementation().lower()
cv = (lambda k: sysconfig.get_config_var(k)) if sysconfig else (lambda k: None)
scheme = venv_scheme()
getsp = getattr(site, "getsitepackages", None) if site else None
try:
    sitepkgs = getsp() if getsp else []
except Exception:
    sitepkgs = []
try:
    libc = platform.libc_ver()
except Exception:
    libc = ("", "")
iv = getattr(sys, "implementation", None)
impl_version = ""
if iv is not None:
    v = iv.version
    impl_version = "%d.%d.%d" % (v[0], v[1], v[2])
    if v[3] != "final":
        impl_version += v[3][0] + str(v[4])
else:
    impl_version = platform.python_version()
print(json.dumps({
    "version_info": [vi[0], vi[1], vi[2], vi[3], vi[4]],
    "implementation": impl,
    "implementation_version": impl_version,
    "executable": sys.executable,
    "base_executable": getattr(sys, "_base_executable", sys.executable),
    "prefix": sys.prefix,
    "exec_prefix": sys.exec_prefix,
    "base_prefix": getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix)),
    "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
    "free_threaded": bool(cv("Py_GIL_DISABLED")),
    "venv_scheme": scheme,
    "venv_paths": rel_paths(scheme),
    "site_packages": sitepkgs,
    "sys_path": sys.path,
    "platform": sysconfig.get_platform() if sysconfig else sys.platform,
    "soabi": cv("SOABI") or "",
    "ext_suffix": cv("EXT_SUFFIX") or cv("SO") or "",
    "multiarch": cv("MULTIARCH") or "",
    "pointer_bits": 64 if sys.maxsize > 2 ** 32 else 32,
    "libc": [libc[0], libc[1]],
    "markers": {
        "implementation_name": impl,
        "implementation_version": impl_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": "%d.%d" % (vi[0], vi[1]),
        "sys_platform": sys.platform,
    },
}, sort_keys=True))
