"""Every rejected row lands in quarantine with its raw record, the run id and exactly one reason."""

from glue_jobs.lake_etl.rules import REASONS

SPEC = {
    "name": "accounts",
    "format": "csv",
    "null_values": ["", "NA"],
    "columns": [
        {"name": "id", "type": "int", "required": True, "min": 1},
        {"name": "email", "type": "string", "required": True, "pattern": "^[^@]+@[^@]+$"},
        {"name": "plan", "type": "string", "allowed": ["free", "pro"]},
        {"name": "seats", "type": "int", "min": 1, "max": 100},
    ],
    "primary_key": ["id"],
}
ROWS = [
    "id,email,plan,seats",
    "1,ann@example.com,free,1",  # curated
    "2,bob@example.com,pro",  # parse_error: a field short
    "3,NA,free,1",  # missing_required: email
    "4,cy@example.com,free,many",  # type_mismatch: seats
    "5,dee@example.com,free,500",  # out_of_range: seats
    "6,eve@example.com,gold,2",  # not_allowed: plan
    "7,not-an-email,pro,2",  # pattern_mismatch: email
    "1,ann.again@example.com,pro,3",  # duplicate_key: id 1 is taken by the first row
]


def test_each_reason_once_with_raw_record_and_run_id(lake, spark):
    done = lake.run(SPEC, {"accounts.csv": "\n".join(ROWS) + "\n"}, run_id="run-42")
    assert done.report["rows_in"] == 8 and done.report["rows_curated"] == 1
    assert done.report["quarantine_reasons"] == {reason: 1 for reason in REASONS}
    assert done.reasons() == sorted(
        [
            ("parse_error", None),
            ("missing_required", "email"),
            ("type_mismatch", "seats"),
            ("out_of_range", "seats"),
            ("not_allowed", "plan"),
            ("pattern_mismatch", "email"),
            ("duplicate_key", "id"),
        ]
    )
    rows = {row["reason"]: row for row in done.quarantine()}
    assert all(row["run_id"] == "run-42" for row in rows.values())
    assert rows["parse_error"]["raw_record"] == "2,bob@example.com,pro"
    assert rows["type_mismatch"]["raw_record"] == '{"id":"4","email":"cy@example.com","plan":"free","seats":"many"}'
    # A duplicate passed every other rule: its record is the row as typed.
    assert rows["duplicate_key"]["raw_record"] == '{"id":1,"email":"ann.again@example.com","plan":"pro","seats":3}'

    assert rows["type_mismatch"]["source_file"] == "s3://raw-bucket/accounts/accounts.csv"
    assert [r["email"] for r in done.curated(spark)] == ["ann@example.com"]


def test_first_failing_rule_wins(lake):
    rows = [
        "id,email,plan,seats",
        "x,NA,gold,0",  # missing_required (email) before type_mismatch (id), out_of_range, not_allowed
        "2,bad,gold,0",  # out_of_range (seats) before not_allowed (plan) and pattern_mismatch (email)
        "3,bad,gold,5",  # not_allowed before pattern_mismatch
        "0,a@b,free,5",  # out_of_range on id
    ]
    done = lake.run(SPEC, {"accounts.csv": "\n".join(rows) + "\n"})
    assert done.reasons() == [
        ("missing_required", "email"),
        ("not_allowed", "plan"),
        ("out_of_range", "id"),
        ("out_of_range", "seats"),
    ]


def test_a_quarantined_row_does_not_claim_its_key(lake, spark):
    rows = ["id,email,plan,seats", "9,a@b,gold,1", "9,c@d,pro,1", "9,e@f,free,1"]
    done = lake.run(SPEC, {"accounts.csv": "\n".join(rows) + "\n"})
    assert [r["email"] for r in done.curated(spark)] == ["c@d"]
    assert done.reasons() == [("duplicate_key", "id"), ("not_allowed", "plan")]


def test_all_invalid_input(lake, spark):
    rows = ["id,email,plan,seats", "a,x,y,z", ",,,", "1,2"]
    done = lake.run(SPEC, {"accounts.csv": "\n".join(rows) + "\n"})
    assert done.report["rows_in"] == 3 and done.report["rows_curated"] == 0
    assert done.curated(spark) == []
    assert done.profile["ml_ready"] is False and done.profile["row_count"] == 0


def test_unexpected_extra_column_is_ignored(lake, spark):
    rows = ["id,email,referrer,plan,seats", "1,a@b,newsletter,free,2", "2,c@d,,pro,3"]
    done = lake.run(SPEC, {"accounts.csv": "\n".join(rows) + "\n"})
    assert done.report["rows_curated"] == 2
    assert done.report["columns"]["ignored_extra"] == ["referrer"]
    assert set(done.curated(spark)[0]) == {"id", "email", "plan", "seats"}


def test_a_declared_column_absent_from_the_file(lake, spark):
    rows = ["id,email,plan", "1,a@b,free"]
    done = lake.run(SPEC, {"accounts.csv": "\n".join(rows) + "\n"})
    assert done.report["columns"]["absent_from_input"] == ["seats"]
    assert [r["seats"] for r in done.curated(spark)] == [None]
