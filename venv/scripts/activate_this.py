"""Activates a virtual environment made by pyshim venv inside a running
Python process, for programs that cannot start the venv's own python:

    path = "@VENV_BIN_REL@/activate_this.py"
    exec(open(path).read(), {"__file__": path})

Puts the venv's bin first on PATH, sets VIRTUAL_ENV, puts the venv's
site-packages in front of sys.path (their .pth files included) and makes
sys.prefix the venv, as starting the venv's python would.
"""
import os
import site
import sys

try:
    _bin = os.path.dirname(os.path.abspath(__file__))
except NameError:
    raise AssertionError('run this file with exec(open(path).read(), {"__file__": path})')

_venv = os.path.normpath(os.path.join(_bin, @BIN_UP@))
os.environ["PATH"] = os.pathsep.join([_bin] + [p for p in os.environ.get("PATH", "").split(os.pathsep) if p])
os.environ["VIRTUAL_ENV"] = _venv
os.environ["VIRTUAL_ENV_PROMPT"] = @PROMPT@

_before = len(sys.path)
for _lib in @LIBS@:
    site.addsitedir(os.path.realpath(os.path.join(_venv, _lib)))
# The venv's directories go first, as in the venv's own python.
sys.path[:] = sys.path[_before:] + sys.path[:_before]

sys.real_prefix = sys.prefix
sys.prefix = sys.exec_prefix = _venv
