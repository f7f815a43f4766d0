# Activates a virtual environment made by pyshim venv, in csh or tcsh.
#
#     source @VENV_BIN_REL@/activate.csh      (it has no effect when executed)
#
# Puts the venv's bin first on PATH, sets VIRTUAL_ENV and
# VIRTUAL_ENV_PROMPT and marks the prompt (unless VIRTUAL_ENV_DISABLE_PROMPT
# is set). `deactivate` puts everything back. csh has no functions, so
# deactivate is an alias; each step is guarded with `test ... &&` because
# csh expands every variable of an `if` line before testing it.

alias deactivate 'test $?_OLD_VIRTUAL_PATH != 0 && setenv PATH "$_OLD_VIRTUAL_PATH" && unset _OLD_VIRTUAL_PATH; test $?_OLD_VIRTUAL_PROMPT != 0 && set prompt="$_OLD_VIRTUAL_PROMPT" && unset _OLD_VIRTUAL_PROMPT; unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; rehash; test "\!:*" = nondestructive || unalias deactivate'

# Leave whichever venv is active.
deactivate nondestructive

setenv VIRTUAL_ENV @VENV@
setenv VIRTUAL_ENV_PROMPT @PROMPT@
set _OLD_VIRTUAL_PATH="$PATH"
setenv PATH @BIN@:"$PATH"

if (! $?VIRTUAL_ENV_DISABLE_PROMPT) then
    if ($?prompt) then
        set _OLD_VIRTUAL_PROMPT="$prompt"
        set prompt = "($VIRTUAL_ENV_PROMPT) $prompt"
    endif
endif

rehash
