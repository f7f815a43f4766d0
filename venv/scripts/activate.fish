# Activates a virtual environment made by pyshim venv, in fish.
#
#     source @VENV_BIN_REL@/activate.fish      (it has no effect when executed)
#
# Puts the venv's bin first on PATH, sets VIRTUAL_ENV and
# VIRTUAL_ENV_PROMPT, hides PYTHONHOME and marks the prompt (unless
# VIRTUAL_ENV_DISABLE_PROMPT is set). `deactivate` puts everything back.

function deactivate --description 'Leave the virtual environment'
    if set -q _OLD_VIRTUAL_PATH
        set -gx PATH $_OLD_VIRTUAL_PATH
        set -e _OLD_VIRTUAL_PATH
    end
    if set -q _OLD_VIRTUAL_PYTHONHOME
        set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME
        set -e _OLD_VIRTUAL_PYTHONHOME
    end
    if set -q _OLD_FISH_PROMPT_OVERRIDE
        set -e _OLD_FISH_PROMPT_OVERRIDE
        # Nested fish sessions may not have the saved prompt.
        if functions -q _old_fish_prompt
            functions -e fish_prompt
            functions -c _old_fish_prompt fish_prompt
            functions -e _old_fish_prompt
        end
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != nondestructive
        functions -e deactivate
    end
end

# Leave whichever venv is active (this one's deactivate or another's).
deactivate nondestructive

set -gx VIRTUAL_ENV @VENV@
set -gx VIRTUAL_ENV_PROMPT @PROMPT@
set -gx _OLD_VIRTUAL_PATH $PATH
set -gx PATH @BIN@ $PATH

if set -q PYTHONHOME
    set -gx _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME
    set -e PYTHONHOME
end

if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
    # fish draws its prompt with a function: keep the old one and wrap it.
    functions -c fish_prompt _old_fish_prompt
    function fish_prompt
        set -l last_status $status
        printf '%s(%s)%s ' (set_color 4B8BBE) $VIRTUAL_ENV_PROMPT (set_color normal)
        # Give the old prompt the status of the last command, not ours.
        echo "exit $last_status" | source
        _old_fish_prompt
    end
    set -gx _OLD_FISH_PROMPT_OVERRIDE $VIRTUAL_ENV
end
