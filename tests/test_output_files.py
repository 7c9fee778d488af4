"""`export --out X --force` and `backup X --force` write a regular file or through a symlink to one;
a device, a FIFO or a link to either is refused and left as it was (root once lost /dev/null so)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest


def _char_device(path: Path) -> Path:
    """A character device like /dev/null (same major and minor) in the test's folder; a FIFO stands
    in where creating devices is not allowed."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        os.mkfifo(path)
    return path


def _fingerprint(path: Path) -> tuple:
    found = os.lstat(path)
    return found.st_ino, found.st_mode, found.st_rdev


@pytest.fixture
def dev_null_untouched():
    before = _fingerprint(Path("/dev/null"))
    yield
    assert _fingerprint(Path("/dev/null")) == before


def _special_targets(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path given to the command, words the refusal must hold)."""
    device = _char_device(tmp_path / "device")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    to_device = tmp_path / "to-device"
    to_device.symlink_to(device)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    kind = "a character device" if stat.S_ISCHR(os.stat(device).st_mode) else "a FIFO"
    return {"device": (device, kind), "fifo": (fifo, "a FIFO"), "link to device": (to_device, "a symlink to"),
            "dangling link": (dangling, "does not exist"), "folder": (tmp_path, "a folder")}


def test_export_force_refuses_devices_fifos_and_links_to_them(cli, project, tmp_path, dev_null_untouched):
    targets = _special_targets(tmp_path)
    for name, (path, words) in targets.items():
        before = _fingerprint(path)
        result = cli("export", "--out", str(path), "--force")
        assert result.code == 1, (name, result.out, result.err)
        assert f"error: {path}: " in result.err and words in result.err and "regular file" in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
        assert _fingerprint(path) == before, name
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_export_without_force_names_the_device_not_the_force_flag(cli, project, tmp_path):
    device = _char_device(tmp_path / "device")
    result = cli("export", "--out", str(device))
    assert result.code == 1 and "regular file" in result.err and "--force" not in result.err


def test_export_force_writes_through_a_symlink_and_keeps_the_link(cli, project, tmp_path):
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(real)
    assert cli("export", "--out", str(link)).code == 1  # it exists: --force is still needed
    result = cli("export", "--out", str(link), "--force")
    assert result.code == 0, result.err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == ""  # the project has no gold yet: an empty export replaced "old"


def test_export_split_refuses_a_device_among_its_files(cli, project, tmp_path):
    _char_device(tmp_path / "out-dev.jsonl")
    result = cli("export", "--out", str(tmp_path / "out.jsonl"), "--split", "0.8,0.1,0.1", "--force")
    assert result.code == 1 and "out-dev.jsonl" in result.err
    assert not (tmp_path / "out-train.jsonl").exists()


def test_backup_force_refuses_devices_fifos_and_links_to_them(cli, project, tmp_path, sqlite_only,
                                                              dev_null_untouched):
    for name, (path, words) in _special_targets(tmp_path).items():
        before = _fingerprint(path)
        result = cli("backup", str(path), "--force")
        assert result.code == 1, (name, result.out, result.err)
        assert words in result.err and "Traceback" not in result.err, result.err
        assert _fingerprint(path) == before, name
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_backup_force_writes_through_a_symlink(cli, project, tmp_path, sqlite_only):
    real = tmp_path / "copy.db"
    real.write_text("old")
    link = tmp_path / "latest.db"
    link.symlink_to(real)
    result = cli("backup", str(link), "--force")
    assert result.code == 0, result.err
    assert link.is_symlink() and real.read_bytes().startswith(b"SQLite format 3")
    assert json.loads(cli("status", "--json", "--db", str(link)).out)["documents"] == 0


def test_a_loop_of_symlinks_is_named_as_one(cli, project, tmp_path):
    (tmp_path / "a.jsonl").symlink_to(tmp_path / "b.jsonl")
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "a.jsonl")
    result = cli("export", "--out", str(tmp_path / "a.jsonl"), "--force")
    assert result.code == 1 and "a loop of symlinks that leads to no file" in result.err, result.err
    assert (tmp_path / "a.jsonl").is_symlink() and (tmp_path / "b.jsonl").is_symlink()
