# Activates a virtual environment made by pyshim venv, in bash or zsh.
#
#     source @VENV_BIN_REL@/activate      (it has no effect when executed)
#
# Puts the venv's bin first on PATH, sets VIRTUAL_ENV and
# VIRTUAL_ENV_PROMPT, hides PYTHONHOME and marks the prompt (unless
# VIRTUAL_ENV_DISABLE_PROMPT is set). `deactivate` puts everything back.

deactivate () {
    if [ -n "${_OLD_VIRTUAL_PATH+set}" ] ; then
        PATH=$_OLD_VIRTUAL_PATH
        export PATH
        unset _OLD_VIRTUAL_PATH
    fi
    if [ -n "${_OLD_VIRTUAL_PYTHONHOME+set}" ] ; then
        PYTHONHOME=$_OLD_VIRTUAL_PYTHONHOME
        export PYTHONHOME
        unset _OLD_VIRTUAL_PYTHONHOME
    fi
    if [ -n "${_OLD_VIRTUAL_PS1+set}" ] ; then
        PS1=$_OLD_VIRTUAL_PS1
        unset _OLD_VIRTUAL_PS1
    fi
    unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
    # The shell remembers where it found commands; make it look again.
    hash -r 2>/dev/null
    if [ "${1:-}" != nondestructive ] ; then
        unset -f deactivate
    fi
}

# Leave whichever venv is active (this one's deactivate or another's).
deactivate nondestructive

VIRTUAL_ENV=@VENV@
VIRTUAL_ENV_PROMPT=@PROMPT@
export VIRTUAL_ENV VIRTUAL_ENV_PROMPT

_OLD_VIRTUAL_PATH=${PATH:-}
PATH=@BIN@${PATH:+:$PATH}
export PATH

if [ -n "${PYTHONHOME+set}" ] ; then
    _OLD_VIRTUAL_PYTHONHOME=$PYTHONHOME
    unset PYTHONHOME
fi

if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT:-}" ] ; then
    _OLD_VIRTUAL_PS1=${PS1:-}
    PS1="($VIRTUAL_ENV_PROMPT) ${PS1:-}"
fi

hash -r 2>/dev/null
