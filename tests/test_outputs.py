"""Output files: every way a path can be unwritable is one clear ConfigurationError."""

from __future__ import annotations

from pathlib import Path

import pytest

from convosift.errors import ConfigurationError
from convosift.outputs import open_output, write_output


def test_missing_folders_are_created(tmp_path: Path) -> None:
    out = write_output(tmp_path / "a" / "b" / "out.txt", "é\n")
    assert out.read_bytes() == "é\n".encode()


@pytest.mark.parametrize("name", ["", ".", "folder"])
def test_a_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    with pytest.raises(ConfigurationError, match="is a folder, not a file"), open_output(Path(name)):
        pass


def test_a_path_under_a_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(
        ConfigurationError, match=r"cannot write to .*/file/out\.txt: its folder .*/file cannot be created"
    ):
        write_output(tmp_path / "file" / "out.txt", "text")
