"""A bad analytics setting names the field, the value given and what is allowed."""

from config import load_config

from .test_loader import error_for, write


def test_defaults(tmp_path):
    config = load_config(path=write(tmp_path, {"analytics": {"enabled": True}}))
    assert (config.analytics.bytes_scanned_cutoff_mb, config.analytics.preview_rows) == (10240, 10)


def test_athena_cutoff_below_its_minimum(tmp_path):
    message = error_for(tmp_path, {"analytics": {"enabled": True, "bytes_scanned_cutoff_mb": 5}})
    assert "analytics.bytes_scanned_cutoff_mb" in message and "given 5" in message and "10" in message


def test_preview_rows_out_of_range(tmp_path):
    message = error_for(tmp_path, {"analytics": {"preview_rows": 0}})
    assert "analytics.preview_rows" in message and "given 0" in message
