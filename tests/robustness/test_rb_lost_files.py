"""Issue 15, class 2: a report must never cost the user a file.

Before the fix ``--overwrite`` deleted whatever the folder held, a kill left ``.tmp-`` folders
behind, a read-only empty OUT_DIR was replaced (its mode changed) and files got mode 0600.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

from riskmodel.cli import main
from riskmodel.report._files import MARKER, ReportFolder, check_target

posix_only = pytest.mark.skipif(os.name != "posix", reason="modes and signals are POSIX")


def _write(target, overwrite=False, text="new"):
    with ReportFolder(target, overwrite=overwrite) as folder:
        folder.write_text("a.txt", text)
        folder.commit()


def test_overwrite_refuses_a_folder_that_is_not_a_report(tmp_path, capsys):
    # issue 15: `riskmodel report DIR --overwrite` wiped a folder holding src/main.py
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "main.py").write_text("print('mine')\n")
    with pytest.raises(FileExistsError, match="not a riskmodel report"):
        _write(project, overwrite=True)
    assert (project / "src" / "main.py").read_text() == "print('mine')\n"
    # the CLI refuses it before any work: exit 2, one line naming the folder
    assert main(["report", str(project), "--overwrite", "--n-sims", "20000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(project) in err and "not a riskmodel report" in err
    assert (project / "src" / "main.py").exists()
    assert [p for p in os.listdir(tmp_path) if ".tmp-" in p] == []


def test_overwrite_replaces_a_previous_report(tmp_path):
    out = tmp_path / "r"
    _write(out, text="first")
    assert (out / MARKER).is_file()
    _write(out, overwrite=True, text="second")
    assert (out / "a.txt").read_text() == "second" and (out / MARKER).is_file()
    assert sorted(os.listdir(tmp_path)) == ["r"]


def test_an_empty_out_dir_is_refused_with_a_clear_message(tmp_path, monkeypatch, capsys):
    # issue 15: `riskmodel report ""` said " exists and is not empty"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").write_text("x")
    with pytest.raises(ValueError, match="OUT_DIR: give a folder name"):
        check_target(type(tmp_path)(""), False)
    assert main(["report", "", "--n-sims", "20000"]) == 2
    err = capsys.readouterr().err
    assert "give a folder name" in err and "not empty" not in err


@posix_only
def test_files_and_folder_get_the_umask_modes(tmp_path):
    # issue 15: report files got mode 0600 while the PDF got 0644
    old = os.umask(0o027)
    try:
        out = tmp_path / "r"
        with ReportFolder(out) as folder:
            folder.write_text("a.txt", "x")
            partial = folder.tmp_path("b.bin")
            partial.write_bytes(b"y")
            folder.put(partial, "b.bin")
            folder.commit()
    finally:
        os.umask(old)
    assert stat.S_IMODE((out / "a.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((out / "b.bin").stat().st_mode) == 0o640
    assert stat.S_IMODE(out.stat().st_mode) == 0o750


@posix_only
def test_a_read_only_empty_out_dir_is_neither_replaced_nor_changed(tmp_path):
    # issue 15: a read-only empty OUT_DIR was replaced and its mode changed
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    inode = out.stat().st_ino
    try:
        with pytest.raises(PermissionError, match="not writable"):
            _write(out)
        assert main(["report", str(out), "--n-sims", "20000"]) == 2
        assert out.stat().st_ino == inode and stat.S_IMODE(out.stat().st_mode) == 0o555
        assert os.listdir(out) == []
    finally:
        out.chmod(0o755)


@posix_only
def test_a_folder_the_user_cannot_write_is_refused(tmp_path, monkeypatch):
    # write bits set, but not for this user (os.access says no)
    out = tmp_path / "ro"
    out.mkdir()
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(PermissionError, match="not writable"):
        check_target(out, False)


def test_a_replaced_report_folder_keeps_its_mode(tmp_path):
    out = tmp_path / "r"
    _write(out)
    out.chmod(0o700)
    _write(out, overwrite=True)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


_KILLED = """
import signal, sys, time
from riskmodel.report._files import ReportFolder
# Ctrl-C as in a terminal: a job started in the background of a non-interactive shell (a CI
# runner's, say) inherits SIGINT ignored, and Python then installs no KeyboardInterrupt
signal.signal(signal.SIGINT, signal.default_int_handler)
with ReportFolder(sys.argv[1]) as folder:
    folder.write_text("a.txt", "partial")
    print("ready", flush=True)
    time.sleep(60)
    folder.commit()
"""


@posix_only
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_killed_report_leaves_no_temporary_folder(tmp_path, sig):
    # issue 15: `.rep.tmp-*` folders were left behind in 12 of 19 kills
    out = tmp_path / "rep"
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_KILLED), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout.readline().strip() == "ready"
            assert any(".tmp-" in p for p in os.listdir(tmp_path))  # the folder exists now
            proc.send_signal(sig)
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert os.listdir(tmp_path) == []  # neither the report nor its temporary folder
    assert proc.returncode == 143 if sig == signal.SIGTERM else proc.returncode != 0


def test_the_sigterm_trap_is_removed_after_the_folder(tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    _write(tmp_path / "r")
    assert signal.getsignal(signal.SIGTERM) is before
