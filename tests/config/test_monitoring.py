"""Monitoring config: a bad value names the field, what was given and what is allowed."""

from config import load_config

from .test_loader import error_for, write


def test_defaults_watch_with_a_budget_and_a_dashboard(tmp_path):
    monitoring = load_config(path=write(tmp_path, {"monitoring": {"enabled": True}})).monitoring
    assert monitoring.dashboard is True and monitoring.budget.enabled is True
    assert monitoring.budget.actual_thresholds_percent == [80.0, 100.0]


def test_an_invalid_alarm_email(tmp_path):
    message = error_for(tmp_path, {"monitoring": {"alarm_emails": ["ops@example.com", "ops.example.com"]}})
    assert "monitoring.alarm_emails" in message and "not an e-mail address: ops.example.com" in message


def test_a_repeated_email(tmp_path):
    message = error_for(tmp_path, {"monitoring": {"alarm_emails": ["a@example.com", "a@example.com"]}})
    assert "listed more than once: a@example.com" in message


def test_quarantine_share_is_a_percentage(tmp_path):
    message = error_for(tmp_path, {"monitoring": {"quarantine_share_percent": 150}})
    assert "monitoring.quarantine_share_percent" in message and "given 150" in message


def test_run_window_fits_what_cloudwatch_evaluates(tmp_path):
    message = error_for(tmp_path, {"monitoring": {"run_window_hours": 200}})
    assert "monitoring.run_window_hours" in message and "168" in message


def test_budget_thresholds_must_increase(tmp_path):
    message = error_for(tmp_path, {"monitoring": {"budget": {"actual_thresholds_percent": [100, 80]}}})
    assert "monitoring.budget.actual_thresholds_percent" in message and "increasing order" in message


def test_budget_threshold_out_of_range(tmp_path):
    message = error_for(tmp_path, {"monitoring": {"budget": {"forecasted_thresholds_percent": [0]}}})
    assert "above 0 and at most 1000" in message


def test_budget_without_any_threshold(tmp_path):
    budget = {"actual_thresholds_percent": [], "forecasted_thresholds_percent": []}
    message = error_for(tmp_path, {"monitoring": {"budget": budget}})
    assert "at least one actual or forecasted threshold" in message


def test_too_many_budget_emails(tmp_path):
    emails = [f"person{i}@example.com" for i in range(11)]
    message = error_for(tmp_path, {"monitoring": {"budget": {"emails": emails}}})
    assert "at most 10 e-mail subscribers" in message


def test_a_falsy_budget_switch_is_kept(tmp_path):
    config = load_config(path=write(tmp_path, {"monitoring": {"budget": {"enabled": False, "emails": []}}}))
    assert config.monitoring.budget.enabled is False


def test_at_most_five_budget_notifications(tmp_path):
    budget = {"actual_thresholds_percent": [50, 80, 100], "forecasted_thresholds_percent": [90, 100, 120]}
    message = error_for(tmp_path, {"monitoring": {"budget": budget}})
    assert "6 thresholds in all" in message and "5 notifications per budget" in message
