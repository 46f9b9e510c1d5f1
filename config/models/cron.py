"""The cron expressions of AWS schedules, checked field by field as each service checks them.

Glue triggers, EventBridge rules and Redshift scheduled actions share one six-field format,
`cron(Minutes Hours Day-of-month Month Day-of-week Year)` in UTC, and differ in what they add:

- Glue (https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html): day of
  week takes `, - * ? / L` (no `#`); a schedule may not fire more often than every 5 minutes.
- EventBridge (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html):
  day of week also takes `#` (the n-th weekday of the month, alone in its field); at most once a minute.
- Redshift scheduled actions follow the EventBridge format, and their invocations "must be separated
  by at least one hour" (https://docs.aws.amazon.com/redshift/latest/APIReference/API_ScheduledAction.html).

All three: day of month and day of week cannot both be given; one of them is `?` (and `*` in one
needs `?` in the other).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    extra: str = ""  # wildcards besides , - * /: '?', 'L', 'W', '#'


FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31, extra="?LW"),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 1, 7, WEEKDAYS, extra="?L#"),
    _Field("year", 1970, 2199),
)
SERVICES = ("Glue", "EventBridge", "Redshift")
# The shortest time between two runs each service accepts, in minutes.
MIN_INTERVAL_MINUTES = {"Glue": 5, "EventBridge": 1, "Redshift": 60}
SHAPE = "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), in UTC"


def _checked(service: str) -> AfterValidator:
    def check(value: str) -> str:
        require_cron(value, service)
        return value

    return AfterValidator(check)


# Field types of schedules, checked as their service checks them.
GlueCron = Annotated[str, _checked("Glue")]
RedshiftCron = Annotated[str, _checked("Redshift")]


def require_cron(value: str, service: str) -> None:
    """Reject a `service` schedule (Glue, EventBridge, Redshift) the service would refuse, naming
    the field at fault and what it allows."""
    if service not in SERVICES:
        raise ValueError(f"unknown schedule service {service!r}")
    match = re.fullmatch(r"cron\((.*)\)", value.strip())
    parts = match[1].split() if match else []
    if len(parts) != len(FIELDS):
        raise ValueError(f"a {service} schedule is {SHAPE}")
    values: list[set[int] | None] = []
    for field, part in zip(FIELDS, parts, strict=True):
        values.append(_expand(field, part, service))
    day_of_month, day_of_week = parts[2], parts[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(
            f"{service} cron: exactly one of day-of-month ({day_of_month}) and day-of-week ({day_of_week}) "
            "must be '?': give a value (or *) in one and '?' in the other, e.g. cron(0 2 * * ? *)"
        )
    _check_interval(values[0], values[1], service)


def _expand(field: _Field, part: str, service: str) -> set[int] | None:
    """The values `part` selects (None where it is not a plain set: ?, L, W, #)."""
    allowed = field.extra.replace("#", "") if service == "Glue" and field.name == "day-of-week" else field.extra
    where = f"{service} cron {field.name} {part!r}"
    if part == "?":
        if "?" not in allowed:
            raise ValueError(f"{where}: '?' is allowed only in day-of-month or day-of-week")
        return None
    if "#" in part:
        if "#" not in allowed:
            raise ValueError(f"{where}: {service} does not support '#' in {field.name}")
        weekday, _, nth = part.partition("#")
        if "," in part or not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise ValueError(f"{where}: '#' takes one weekday and its occurrence 1 to 5, e.g. MON#2")
        _number(field, weekday, where)
        return None
    if re.fullmatch(r"(\d*L|L-\d+|\d+W|LW)", part) and "L" in allowed:
        if "W" in part and "W" not in allowed:
            raise ValueError(f"{where}: 'W' is allowed only in day-of-month")
        digits = re.findall(r"\d+", part)
        if digits:
            _number(field, digits[0], where)
        return None
    selected: set[int] = set()
    for item in part.split(","):
        selected |= _item(field, item, where)
    return selected


def _item(field: _Field, item: str, where: str) -> set[int]:
    base, slash, step_text = item.partition("/")
    if slash and not (step_text.isdigit() and int(step_text) >= 1):
        raise ValueError(f"{where}: the increment after '/' must be a positive number")
    step = int(step_text) if slash else 1
    if base == "*":
        low, high = field.low, field.high
    elif "-" in base:
        first, _, last = base.partition("-")
        low, high = _number(field, first, where), _number(field, last, where)
        if low > high:
            raise ValueError(f"{where}: the range {base} runs backwards")
    else:
        low = _number(field, base, where)
        high = field.high if slash else low
    return set(range(low, high + 1, step))


def _number(field: _Field, text: str, where: str) -> int:
    names = f" or {field.names[0]}-{field.names[-1]}" if field.names else ""
    if text.upper() in field.names:
        return field.names.index(text.upper()) + 1
    if not text.isdigit() or not field.low <= int(text) <= field.high:
        raise ValueError(f"{where}: {text!r} is out of range; {field.name} is {field.low}-{field.high}{names}")
    return int(text)


def _check_interval(minutes: set[int] | None, hours: set[int] | None, service: str) -> None:
    """The shortest gap between two runs, from the minutes and hours fields, against the service's floor."""
    floor = MIN_INTERVAL_MINUTES[service]
    if not minutes or not hours:
        return
    times = sorted(hour * 60 + minute for hour in hours for minute in minutes)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    if len(times) > 1:
        gaps.append(times[0] + 24 * 60 - times[-1])  # from the day's last run to the next day's first
    shortest = min(gaps, default=24 * 60)
    if shortest < floor:
        raise ValueError(
            f"{service} cron: runs would be {shortest} minute(s) apart; {service} schedules must be at "
            f"least {floor} minutes apart"
        )
