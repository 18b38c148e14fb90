"""`[ops]`: off by default, `host:port` or nothing, `text` or `json`; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, FileSettings, load_settings


def test_off_by_default() -> None:
    ops = FileSettings().ops
    assert (ops.listen, ops.address, ops.log_format) == ("", None, "text")


@pytest.mark.parametrize(
    ("toml", "address"),
    [('listen = "127.0.0.1:9090"', ("127.0.0.1", 9090)), ('listen = "[::1]:0"', ("::1", 0))],
)
def test_listen_parses(tmp_path: Path, toml: str, address: tuple[str, int]) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[ops]\n{toml}\n")
    assert load_settings(path).file.ops.address == address


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('listen = "9090"', "ops.listen = '9090': must be \"host:port\""),
        ('listen = "localhost:http"', 'must be "host:port"'),
        ('log_format = "xml"', "ops.log_format = 'xml': Input should be 'text' or 'json'"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[ops]\n{toml}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert message in str(err.value)
