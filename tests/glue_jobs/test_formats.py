"""Each raw format the job reads: CSV (every delimiter the classifiers know), JSON, Apache log.

XML, and the defects of reading real files, are in test_reading.py."""

from datetime import date, datetime
from decimal import Decimal

import pytest

PEOPLE = {
    "name": "people",
    "format": "csv",
    "columns": [
        {"name": "id", "type": "int", "required": True},
        {"name": "name", "source": "Full Name", "type": "string"},
        {"name": "active", "type": "boolean"},
    ],
    "primary_key": ["id"],
}


@pytest.mark.parametrize(
    ("delimiter", "header"),
    [(",", True), ("|", True), ("\t", True), (";", True), ("\u0001", False)],
    ids=["comma", "pipe", "tab", "semicolon", "ctrl-a-no-header"],
)
def test_csv_delimiters(lake, spark, delimiter, header):
    d = delimiter
    lines = [f"id{d}Full Name{d}active"] if header else []
    lines += [f'1{d}"Smith{d} Ann"{d}T', f"2{d} Bob {d}no", f"3{d}Eve"]  # the last line is short a field
    spec = {**PEOPLE, "options": {"delimiter": d, "header": header}}
    done = lake.run(spec, {"people.txt": "\n".join(lines) + "\n"})
    assert done.report["rows_in"] == 3
    rows = sorted(done.curated(spark), key=lambda r: r["id"])
    assert [(r["id"], r["name"], r["active"]) for r in rows] == [(1, f"Smith{d} Ann", True), (2, "Bob", False)]
    assert done.reasons() == [("parse_error", None)]
    assert done.quarantine()[0]["raw_record"] == f"3{d}Eve"


def test_json_document_with_a_root_array(lake, spark):
    spec = {
        "name": "characters",
        "format": "json",
        "options": {"json_root": "$.Characters[*]"},
        "null_values": ["", "NA"],
        "columns": [
            {"name": "id", "source": "ID", "type": "int", "required": True},
            {"name": "name", "source": "Name", "type": "string", "required": True},
            {"name": "evil", "source": "Evil", "type": "boolean"},
        ],
        "primary_key": ["id"],
        "label": "evil",
    }
    document = """{"Characters": [
        {"ID": 1, "Name": "Luke", "Evil": 0, "Homeworld": "Tatooine"},
        {"ID": 2, "Name": "Vader", "Evil": true},
        {"ID": 3, "Name": "NA", "Evil": "F"},
        "Chewbacca",
        {"ID": "four", "Name": "Han", "Evil": "F"}
    ]}"""
    done = lake.run(spec, {"characters.json": document})
    assert done.report["rows_in"] == 5
    assert sorted((r["id"], r["name"], r["evil"]) for r in done.curated(spark)) == [
        (1, "Luke", False),
        (2, "Vader", True),
    ]
    assert done.reasons() == [("missing_required", "name"), ("parse_error", None), ("type_mismatch", "id")]
    raw = {row["reason"]: row["raw_record"] for row in done.quarantine()}
    assert raw["parse_error"] == '"Chewbacca"'  # the element's JSON
    assert '"ID":"four"' in raw["type_mismatch"]


def test_json_document_without_the_array_is_one_parse_error(lake):
    spec = {
        "name": "broken",
        "format": "json",
        "options": {"json_root": "$.Characters[*]"},
        "columns": [{"name": "id", "source": "ID", "type": "int"}],
    }
    done = lake.run(spec, {"a.json": '{"Characters": [{"ID": 1}, ', "b.json": '{"Other": []}'})
    assert done.report["rows_in"] == 2
    assert done.reasons() == [("parse_error", None), ("parse_error", None)]


def test_json_lines(lake, spark):
    spec = {"name": "events", "format": "json", "columns": [{"name": "id", "type": "bigint"}, {"name": "kind"}]}
    lines = '{"id": 1, "kind": "click"}\n\n{"id": 2, "kind": {"nested": true}}\n{"id": 3,\n[1, 2]\n'
    done = lake.run(spec, {"events.jsonl": lines})
    assert done.report["rows_in"] == 4  # the blank line is not a record
    assert sorted((r["id"], r["kind"]) for r in done.curated(spark)) == [(1, "click"), (2, '{"nested":true}')]
    assert done.reasons() == [("parse_error", None), ("parse_error", None)]


def test_apache_combined_log(lake, spark):
    spec = {
        "name": "access_logs",
        "format": "apache_log",
        "null_values": ["", "-"],
        "columns": [
            {"name": "client_ip", "required": True},
            {"name": "user_id"},
            {"name": "requested_at", "type": "timestamp", "format": "dd/MMM/yyyy:HH:mm:ss Z", "required": True},
            {"name": "method", "allowed": ["GET", "POST"]},
            {"name": "path"},
            {"name": "status", "type": "int", "min": 100, "max": 599},
            {"name": "bytes_sent", "type": "bigint"},
            {"name": "user_agent"},
        ],
    }
    log = (
        '127.0.0.1 - frank [10/Oct/2000:13:55:36 +0000] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
        '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"\n'
        '10.0.0.2 - - [10/Oct/2000:13:56:00 +0000] "HEAD / HTTP/1.1" 304 - "-" "curl/8.4.0"\n'
        '10.0.0.3 - - [10/Oct/2000:13:57:00 +0000] "POST /login HTTP/1.1" 200 512\n'
        "not a log line\n"
    )
    done = lake.run(spec, {"access.log": log})
    rows = sorted(done.curated(spark), key=lambda r: r["client_ip"])
    assert [(r["client_ip"], r["user_id"], r["status"], r["bytes_sent"]) for r in rows] == [
        ("10.0.0.3", None, 200, 512),
        ("127.0.0.1", "frank", 200, 2326),
    ]
    assert rows[1]["requested_at"] == datetime(2000, 10, 10, 13, 55, 36)  # the session runs in UTC
    assert rows[1]["user_agent"] == "Mozilla/4.08 [en] (Win98; I ;Nav)"
    assert rows[0]["user_agent"] is None  # common format: no referrer or user agent
    assert done.reasons() == [("not_allowed", "method"), ("parse_error", None)]


def test_types_and_normalization(lake, spark):
    spec = {
        "name": "houses",
        "format": "csv",
        "null_values": ["", "?", "N/A"],
        "columns": [
            {"name": "id", "type": "int"},
            {"name": "price", "type": "decimal(12,2)"},
            {"name": "area", "type": "double"},
            {"name": "rooms", "type": "bigint"},
            {"name": "sold_on", "type": "date", "format": "dd/MM/yyyy"},
            {"name": "garden", "type": "boolean"},
            {"name": "note"},
        ],
    }
    csv = (
        "id,price,area,rooms,sold_on,garden,note\n"
        '1,"$125,000",1250.5,3,02/01/2022,yes,  padded  \n'
        "2,98000.25,1e3,4,?,0,N/A\n"
        '3,"-1,234.5",.5,"1,000",,t,\n'
    )
    done = lake.run(spec, {"houses.csv": csv})
    rows = {r["id"]: r for r in done.curated(spark)}
    assert rows[1]["price"] == Decimal("125000.00") and rows[1]["area"] == 1250.5
    assert rows[1]["sold_on"] == date(2022, 1, 2) and rows[1]["garden"] is True and rows[1]["note"] == "padded"
    assert rows[2]["price"] == Decimal("98000.25") and rows[2]["area"] == 1000.0
    assert rows[2]["sold_on"] is None and rows[2]["garden"] is False and rows[2]["note"] is None
    assert rows[3]["price"] == Decimal("-1234.50") and rows[3]["rooms"] == 1000 and rows[3]["garden"] is True
