# Activates a virtual environment made by pyshim venv, in nushell.
#
#     overlay use @VENV_BIN_REL@/activate.nu
#
# Puts the venv's bin first on PATH, sets VIRTUAL_ENV and
# VIRTUAL_ENV_PROMPT, hides PYTHONHOME and marks the prompt (unless
# VIRTUAL_ENV_DISABLE_PROMPT is set). Everything lives in the `activate`
# overlay: `deactivate` hides it, which puts the environment back. (Under
# another overlay name, `overlay use ... as NAME`, leave with
# `overlay hide NAME`.)

export-env {
    let venv = @VENV@
    let bin = @BIN@
    let prompt = @PROMPT@
    # On Windows the variable may be spelt Path.
    let path_var = if ('PATH' in $env) { 'PATH' } else if ('Path' in $env) { 'Path' } else { 'PATH' }
    let old_path = if $path_var in $env { $env | get $path_var } else { [] }
    let old_path = if ($old_path | describe) == 'string' { $old_path | split row (char esep) } else { $old_path }
    load-env {
        $path_var: ($old_path | prepend $bin)
        VIRTUAL_ENV: $venv
        VIRTUAL_ENV_PROMPT: $prompt
    }
    if 'PYTHONHOME' in $env {
        hide-env PYTHONHOME
    }
    let disabled = if 'VIRTUAL_ENV_DISABLE_PROMPT' in $env { $env.VIRTUAL_ENV_DISABLE_PROMPT | into string } else { '' }
    if $disabled == '' or $disabled == 'false' or $disabled == '0' {
        let old_prompt = if 'PROMPT_COMMAND' in $env { $env.PROMPT_COMMAND } else { '' }
        let mark = '(' + $prompt + ') '
        $env.PROMPT_COMMAND = if ($old_prompt | describe) =~ '^closure' {
            {|| $mark + (do $old_prompt) }
        } else {
            {|| $mark + ($old_prompt | into string) }
        }
    }
}

export alias deactivate = overlay hide activate
