@echo off
rem Install ledger @VERSION@ from this bundle with no network: a virtual environment in
rem PREFIX\@VERSION@ built from .\wheelhouse alone. An upgrade installs beside the running
rem version, so rolling back is pointing the service back at the old folder.
rem
rem   install.bat [PREFIX]     default %LOCALAPPDATA%\ledger; set PYTHON=... to choose Python
setlocal EnableExtensions
set "HERE=%~dp0"
set "VERSION=@VERSION@"
set "PYTHONS=@PYTHONS@"
set "PREFIX=%~1"
if "%PREFIX%"=="" set "PREFIX=%LOCALAPPDATA%\ledger"
set "TARGET=%PREFIX%\%VERSION%"

if not defined PYTHON (
  for %%v in (%PYTHONS%) do (
    if not defined PYTHON py -%%v -c "" >nul 2>&1 && set "PYTHON=py -%%v"
  )
)
if not defined PYTHON set "PYTHON=python"

set "HAVE="
for /f "usebackq delims=" %%h in (`%PYTHON% -c "import sys; print(*sys.version_info[:2], sep='.')"`) do set "HAVE=%%h"
set "OK="
for %%v in (%PYTHONS%) do if "%%v"=="%HAVE%" set "OK=1"
if not defined OK (
  echo install.bat: %PYTHON% is Python %HAVE%; this bundle has wheels for CPython %PYTHONS% ^(set PYTHON=...^)
  exit /b 1
)
if exist "%TARGET%" (
  echo install.bat: %TARGET% exists; remove it first to reinstall
  exit /b 1
)

rem Only this bundle's wheels: no index, and no pip setting of the machine or the user.
set "PIP_CONFIG_FILE=nul"
set "PIP_DISABLE_PIP_VERSION_CHECK=1"
set "PIP_INDEX_URL="
set "PIP_EXTRA_INDEX_URL="
set "PIP_FIND_LINKS="
if not exist "%PREFIX%" mkdir "%PREFIX%" || goto :fail
%PYTHON% -m venv "%TARGET%" || goto :fail
"%TARGET%\Scripts\python.exe" -m pip install --quiet --no-index --find-links "%HERE%wheelhouse" --upgrade pip || goto :fail
"%TARGET%\Scripts\python.exe" -m pip install --quiet --no-index --find-links "%HERE%wheelhouse" "ledger==%VERSION%" || goto :fail
"%TARGET%\Scripts\ledger.exe" --help >nul || goto :fail
echo ledger %VERSION% installed: %TARGET%\Scripts\ledger.exe
exit /b 0

:fail
echo install.bat: installation failed; nothing was left in %TARGET%
if exist "%TARGET%" rmdir /s /q "%TARGET%"
exit /b 1
