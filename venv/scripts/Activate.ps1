<#
.Synopsis
Activates a virtual environment made by pyshim venv, in PowerShell.

.Description
Dot-source it:  . @VENV_BIN_REL@/Activate.ps1
Puts the venv's bin first on PATH, sets VIRTUAL_ENV and VIRTUAL_ENV_PROMPT,
hides PYTHONHOME and marks the prompt (unless VIRTUAL_ENV_DISABLE_PROMPT is
set). `deactivate` puts everything back.

.Parameter VenvDir
The venv to activate; by default the one this script was written for.

.Parameter Prompt
The prompt mark; by default the venv's prompt.
#>
Param(
    [Parameter(Mandatory = $false)] [String] $VenvDir,
    [Parameter(Mandatory = $false)] [String] $Prompt
)

function global:deactivate ([switch] $NonDestructive) {
    if (Test-Path -Path Function:_OLD_VIRTUAL_PROMPT) {
        Copy-Item -Path Function:_OLD_VIRTUAL_PROMPT -Destination Function:prompt
        Remove-Item -Path Function:_OLD_VIRTUAL_PROMPT
    }
    if (Test-Path -Path Env:_OLD_VIRTUAL_PYTHONHOME) {
        Copy-Item -Path Env:_OLD_VIRTUAL_PYTHONHOME -Destination Env:PYTHONHOME
        Remove-Item -Path Env:_OLD_VIRTUAL_PYTHONHOME
    }
    if (Test-Path -Path Env:_OLD_VIRTUAL_PATH) {
        Copy-Item -Path Env:_OLD_VIRTUAL_PATH -Destination Env:PATH
        Remove-Item -Path Env:_OLD_VIRTUAL_PATH
    }
    foreach ($name in 'VIRTUAL_ENV', 'VIRTUAL_ENV_PROMPT') {
        if (Test-Path -Path "Env:$name") { Remove-Item -Path "Env:$name" }
    }
    if (-not $NonDestructive) {
        Remove-Item -Path Function:deactivate
    }
}

# Leave whichever venv is active.
deactivate -NonDestructive

if (-not $VenvDir) { $VenvDir = @VENV@ }
if (-not $Prompt) { $Prompt = @PROMPT@ }

$Env:VIRTUAL_ENV = $VenvDir
$Env:VIRTUAL_ENV_PROMPT = $Prompt
$Env:_OLD_VIRTUAL_PATH = $Env:PATH
$Env:PATH = (Join-Path $VenvDir @BIN_NAME@) + [System.IO.Path]::PathSeparator + $Env:PATH

if (Test-Path -Path Env:PYTHONHOME) {
    Copy-Item -Path Env:PYTHONHOME -Destination Env:_OLD_VIRTUAL_PYTHONHOME
    Remove-Item -Path Env:PYTHONHOME
}

if (-not $Env:VIRTUAL_ENV_DISABLE_PROMPT) {
    # Keep the current prompt function and draw the mark in front of it.
    function global:_OLD_VIRTUAL_PROMPT { "" }
    Copy-Item -Path Function:prompt -Destination Function:_OLD_VIRTUAL_PROMPT
    function global:prompt {
        Write-Host -NoNewline -ForegroundColor Green "($Env:VIRTUAL_ENV_PROMPT) "
        _OLD_VIRTUAL_PROMPT
    }
}
