"""Reading real files: each file by its own header, RFC 4180, (object key, line) order, exact values, BOMs, XML.

One test per defect class, on small files written here, asserting the curated values themselves.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

ACCOUNTS = {
    "name": "accounts",
    "format": "csv",
    "columns": [
        {"name": "id", "type": "int", "required": True},
        {"name": "email", "required": True},
        {"name": "plan"},
        {"name": "seats", "type": "int"},
    ],
    "primary_key": ["id"],
}


def by_id(rows):
    return {row["id"]: row for row in rows}


@contextmanager
def spark_conf(spark, **settings):
    """Session settings for one block (the session is shared by the whole test run)."""
    old = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in old.items():
            spark.conf.unset(key) if value is None else spark.conf.set(key, value)


def test_each_file_is_read_by_its_own_header(lake, spark):
    done = lake.run(
        ACCOUNTS,
        {
            "a.csv": "id,email,plan,seats\n1,a@x,free,1\n",
            "b.csv": "seats,plan,EMAIL,id\n2,pro,b@x,2\n",  # another order, another case
            "c.csv": "id,email,seats,plan,referrer\n3,c@x,3,free,ad\n",  # one column more
            "d.csv": "email,id\nd@x,4\n",  # optional columns missing
            "e.csv": "id,plan,seats\n5,free,5\n",  # a required column missing
        },
    )
    rows = by_id(done.curated(spark))
    assert [(r["id"], r["email"], r["plan"], r["seats"]) for r in sorted(rows.values(), key=lambda r: r["id"])] == [
        (1, "a@x", "free", 1),
        (2, "b@x", "pro", 2),
        (3, "c@x", "free", 3),
        (4, "d@x", None, None),
    ]
    assert done.reasons() == [("missing_required", "email")]
    assert done.quarantine()[0]["raw_record"] == '{"id":"5","plan":"free","seats":"5"}'
    assert done.report["columns"] == {"absent_from_input": ["plan", "seats", "email"], "ignored_extra": ["referrer"]}


def test_csv_without_header_takes_the_declared_columns(lake, spark):
    spec = {**ACCOUNTS, "options": {"header": False}}
    done = lake.run(spec, {"a.csv": "1,a@x,free,1\n", "b.csv": "\ufeff2,b@x,pro,2\n3,c@x\n"})
    assert sorted((r["id"], r["email"], r["seats"]) for r in done.curated(spark)) == [(1, "a@x", 1), (2, "b@x", 2)]
    assert done.reasons() == [("parse_error", None)]


QUOTED = (
    "id,email,plan,seats\n"
    '1,"a@x","a plan, with a comma",1\n'
    '2,b@x,"the ""pro"" plan",2\n'
    '3,c@x,"two\nlines",3\n'
    "4,d@x,free,4\n"
)


def test_rfc4180_quoted_fields_in_multiline_mode(lake, spark):
    done = lake.run({**ACCOUNTS, "options": {"multiline": True}}, {"a.csv": QUOTED})
    plans = {r["id"]: r["plan"] for r in done.curated(spark)}
    assert plans == {1: "a plan, with a comma", 2: 'the "pro" plan', 3: "two\nlines", 4: "free"}
    assert done.report["rows_quarantined"] == 0


def test_a_line_break_in_a_field_without_multiline_invents_nothing(lake, spark):
    done = lake.run(ACCOUNTS, {"a.csv": QUOTED})
    plans = {r["id"]: r["plan"] for r in done.curated(spark)}
    assert plans == {1: "a plan, with a comma", 2: 'the "pro" plan', 4: "free"}
    # Both halves of the cut record are parse_errors: neither is curated as a row of its own.
    assert sorted(r["raw_record"] for r in done.quarantine()) == ['3,c@x,"two', 'lines",3']


def test_an_unclosed_quote_is_one_parse_error_and_the_rest_is_read(lake, spark):
    body = 'id,email,plan,seats\n1,a@x,free,1\n2,b@x,"never closed,2\n3,c@x,pro,3\n4,d@x,free,4\n'
    for name, options in (("multiline", {"multiline": True}), ("single_line", {})):
        done = lake.run({**ACCOUNTS, "name": f"accounts_{name}", "options": options}, {"a.csv": body})
        assert [(r["reason"], r["raw_record"]) for r in done.quarantine()] == [("parse_error", '2,b@x,"never closed,2')]
        assert sorted((r["id"], r["plan"]) for r in done.curated(spark)) == [(1, "free"), (3, "pro"), (4, "free")]


def test_a_windows_export_reads_like_any_file(lake, spark):
    # Lines end in CRLF, the header is quoted and behind a BOM; a line break inside a quoted field is
    # curated as LF, whichever the file used.
    body = '\ufeff"id","email","plan","seats"\r\n1,a@x,"two\r\nlines",1\r\n2,b@x,pro,2\r\n3,c@x,,\r\n'
    multiline = lake.run({**ACCOUNTS, "name": "accounts_multiline", "options": {"multiline": True}}, {"a.csv": body})
    rows = [(r["id"], r["email"], r["plan"], r["seats"]) for r in multiline.curated(spark)]
    assert sorted(rows) == [(1, "a@x", "two\nlines", 1), (2, "b@x", "pro", 2), (3, "c@x", None, None)]
    single = lake.run(ACCOUNTS, {"a.csv": body})
    assert sorted(r["id"] for r in single.curated(spark)) == [2, 3]
    assert sorted(r["raw_record"] for r in single.quarantine()) == ['1,a@x,"two', 'lines",1']


def test_a_stray_quote_is_a_parse_error(lake, spark):
    done = lake.run(ACCOUNTS, {"a.csv": 'id,email,plan,seats\n1,a@x,12" pizza,1\n2,"b@x"x",free,2\n3,c@x,free,3\n'})
    assert [r["id"] for r in done.curated(spark)] == [3]
    assert done.reasons() == [("parse_error", None), ("parse_error", None)]


def test_the_first_duplicate_is_first_in_key_and_line_order(lake, spark):
    # The later file is far larger (Spark packs the largest file first), and split across partitions.
    filler = "".join(f"{i},filler{i}@x,free,1\n" for i in range(100, 400))
    files = {
        "2024/01/a.csv": "id,email,plan,seats\n1,first@x,free,1\n",
        "2024/01/b.csv": "id,email,plan,seats\n" + filler + "1,second@x,pro,2\n2,x@x,free,1\n2,y@x,free,1\n",
    }
    with spark_conf(spark, **{"spark.sql.files.maxPartitionBytes": "1024", "spark.sql.files.openCostInBytes": "0"}):
        done = lake.run(ACCOUNTS, files)
    rows = by_id(done.curated(spark))
    assert rows[1]["email"] == "first@x" and rows[2]["email"] == "x@x"
    assert sorted(r["raw_record"] for r in done.quarantine()) == [
        '{"id":1,"email":"second@x","plan":"pro","seats":2}',
        '{"id":2,"email":"y@x","plan":"free","seats":1}',
    ]


def test_same_rows_in_any_file_sizes_and_names_give_the_same_result(lake, spark, tmp_path):
    """Property: cut the same rows into files of random sizes and names (kept in key order), read with
    different split sizes: the curated and quarantined rows are the same, byte for byte."""
    rng = random.Random(12)
    rows = []
    for i in range(240):
        key = rng.randint(1, 120)  # many duplicated keys
        plan = rng.choice(["free", "pro", '"pro, yearly"', "x" if i % 37 == 0 else "free"])
        seats = rng.choice(["1", "2", "many", ""]) if i % 11 == 0 else str(rng.randint(1, 9))
        rows.append(f"{key},user{i}@x,{plan},{seats}" if i % 53 else f'{key},"broken,{plan}')
    results = set()
    for attempt in range(4):
        cuts = sorted(rng.sample(range(1, len(rows)), rng.randint(1, 12)))
        chunks = [rows[a:b] for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
        prefix = rng.choice(["", "day=1/", "x/y/"])
        names = [f"{prefix}{n:03d}-{rng.randint(0, 999)}.csv" for n in range(len(chunks))]
        header = "id,email,plan,seats\n"
        files = {name: header + "\n".join(chunk) + "\n" for name, chunk in zip(names, chunks, strict=True)}
        spec = {**ACCOUNTS, "name": f"shuffled{attempt}"}
        split = rng.choice(["512", "2048", "134217728"])
        with spark_conf(spark, **{"spark.sql.files.maxPartitionBytes": split, "spark.sql.files.openCostInBytes": "0"}):
            done = lake.run(spec, files)
        curated = sorted(tuple(sorted(r.items())) for r in done.curated(spark))
        quarantined = sorted((r["reason"], r["column"], r["raw_record"]) for r in done.quarantine())
        results.add((tuple(curated), tuple(quarantined)))
        assert done.report["rows_in"] == len(rows)
    assert len(results) == 1


def test_values_keep_their_meaning(lake, spark):
    spec = {
        "name": "values",
        "format": "json",
        "null_values": [],
        "columns": [
            {"name": "id", "type": "int", "required": True},
            {"name": "code"},
            {"name": "amount", "type": "decimal(20,2)"},
            {"name": "ratio", "type": "double"},
            {"name": "day", "type": "date"},
            {"name": "at", "type": "timestamp"},
        ],
        "primary_key": ["id"],
    }
    lines = [
        '{"id": 1, "code": 1.10, "amount": 123456789012345678.91, "ratio": 0.5, "day": "2023-01-05",'
        ' "at": "2023-01-05T10:20:30Z"}',
        '{"id": 2, "code": "007", "amount": "1,234.5", "ratio": -1.5e3, "day": " 2023-02-01 ",'
        ' "at": "2023-01-05 10:20"}',
        '{"id": 3, "ratio": 1e400}',  # overflows a double
        '{"id": 4, "ratio": "NaN"}',
        '{"id": 5, "day": "2023"}',
        '{"id": 6, "day": "2023-01-05 garbage"}',
        '{"id": 7, "at": "2023-01-05T10:20:30 garbage"}',
        '{"id": "  ", "code": "blank key"}',  # white space only: missing even with no null tokens
    ]
    done = lake.run(spec, {"values.jsonl": "\n".join(lines) + "\n"})
    rows = by_id(done.curated(spark))
    assert rows[1]["code"] == "1.10" and rows[1]["amount"] == Decimal("123456789012345678.91")
    assert rows[1]["ratio"] == 0.5 and rows[1]["day"] == date(2023, 1, 5)
    assert rows[1]["at"] == datetime(2023, 1, 5, 10, 20, 30)
    assert rows[2]["code"] == "007" and rows[2]["amount"] == Decimal("1234.50") and rows[2]["ratio"] == -1500.0
    assert rows[2]["day"] == date(2023, 2, 1) and rows[2]["at"] == datetime(2023, 1, 5, 10, 20)
    assert sorted(rows) == [1, 2]
    assert done.reasons() == [
        ("missing_required", "id"),
        ("type_mismatch", "at"),
        ("type_mismatch", "day"),
        ("type_mismatch", "day"),
        ("type_mismatch", "ratio"),
        ("type_mismatch", "ratio"),
    ]


def test_numbers_with_a_decimal_comma_keep_their_value(lake, spark):
    body = "id;price;weight;seats\n1;1.250,50;0,5;1.000\n2;12,5;1,25e3;3\n3;€1,250;2;2\n4;12.5;1;1\n"
    spec = {
        "name": "prices",
        "format": "csv",
        "options": {"delimiter": ";", "decimal_separator": ","},
        "columns": [
            {"name": "id", "type": "int", "required": True},
            {"name": "price", "type": "decimal(10,2)"},
            {"name": "weight", "type": "double"},
            {"name": "seats", "type": "int"},
        ],
        "primary_key": ["id"],
    }
    done = lake.run(spec, {"a.csv": body})
    rows = {r["id"]: (r["price"], r["weight"], r["seats"]) for r in done.curated(spark)}
    assert rows == {1: (Decimal("1250.50"), 0.5, 1000), 2: (Decimal("12.50"), 1250.0, 3), 3: (Decimal("1.25"), 2.0, 2)}
    # 12.5 is neither a decimal comma nor a group of three digits: not read as 12.5 or 125.
    assert done.reasons() == [("type_mismatch", "price")]
    # Read with the default '.', most decimal-comma values are type_mismatch; one that is also a number with
    # a thousands comma (€1,250) reads as that number: the separator must be declared.
    done = lake.run({**spec, "name": "prices_point", "options": {"delimiter": ";"}}, {"a.csv": body})
    assert {r["id"]: r["price"] for r in done.curated(spark)} == {3: Decimal("1250.00"), 4: Decimal("12.50")}


def test_byte_order_marks_are_ignored_in_every_format(lake, spark):
    bom = "\ufeff"
    csv = lake.run(ACCOUNTS, {"a.csv": bom + "id,email,plan,seats\n1,a@x,free,1\n"})
    assert [(r["id"], r["email"]) for r in csv.curated(spark)] == [(1, "a@x")]
    lines = {"name": "lines", "format": "json", "columns": [{"name": "id", "type": "int", "required": True}]}
    jsonl = lake.run(lines, {"a.jsonl": bom + '{"id": 1}\n{"id": 2}\n'})
    assert sorted(r["id"] for r in jsonl.curated(spark)) == [1, 2]
    document = {**lines, "name": "document", "options": {"json_root": "$[*]"}}
    doc = lake.run(document, {"a.json": (bom + '[{"id": 1}, {"id": 2}]').encode("utf-8")})
    assert sorted(r["id"] for r in doc.curated(spark)) == [1, 2]
    log = {"name": "log", "format": "apache_log", "columns": [{"name": "status", "type": "int"}]}
    logs = lake.run(log, {"a.log": bom + '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.0" 200 5\n'})
    assert [r["status"] for r in logs.curated(spark)] == [200]


def test_bytes_that_are_not_utf8_are_a_parse_error_not_a_changed_value(lake, spark):
    # A Latin-1 export among UTF-8 files: its 'ë' is not UTF-8, so the reader cannot give the value
    # as written; that row is quarantined, the rest of the file is curated.
    csv_files = {
        "a.csv": "id,email,plan,seats\n1,a@x,Zoë,1\n".encode(),
        "b.csv": "id,email,plan,seats\n2,b@x,Zoë,2\n3,c@x,free,3\n".encode("latin-1"),
    }
    done = lake.run(ACCOUNTS, csv_files)
    assert sorted((r["id"], r["plan"]) for r in done.curated(spark)) == [(1, "Zoë"), (3, "free")]
    assert [(r["reason"], r["raw_record"]) for r in done.quarantine()] == [
        ("parse_error", '{"id":"2","email":"b@x","plan":"Zo\ufffd","seats":"2"}')
    ]
    lines = b'{"id":4,"email":"d@x","plan":"Zo\xeb"}\n{"id":5,"email":"e@x","plan":"Zo\xc3\xab"}\n'
    done = lake.run({**ACCOUNTS, "name": "accounts_json", "format": "json"}, {"a.json": lines})
    assert [(r["id"], r["plan"]) for r in done.curated(spark)] == [(5, "Zoë")]
    assert done.reasons() == [("parse_error", None)]


def test_a_csv_in_its_declared_encoding_is_curated_as_written(lake, spark):
    exported = "Nº,email,plan,seats\n1,zoë@x,Zoë €5,1\n".encode("cp1252")
    spec = {**ACCOUNTS, "options": {"encoding": "windows-1252"}}
    spec["columns"] = [{**ACCOUNTS["columns"][0], "source": "Nº"}, *ACCOUNTS["columns"][1:]]
    done = lake.run(spec, {"a.csv": exported})
    assert [(r["id"], r["email"], r["plan"]) for r in done.curated(spark)] == [(1, "zoë@x", "Zoë €5")]


def test_a_json_element_that_is_not_an_object_is_a_parse_error(lake, spark):
    spec = {
        "name": "elements",
        "format": "json",
        "options": {"json_root": "$.items[*]"},
        "columns": [{"name": "id", "type": "int", "required": True}, {"name": "price", "type": "decimal(30,10)"}],
    }
    document = (
        '{"items": [{"id": 1, "price": 0.1000000001}, "{\\"id\\": 2}", 3, [4], null, {"id": 5, "x": {"n": 1.50}}]}'
    )
    done = lake.run(spec, {"items.json": document})
    assert sorted((r["id"], r["price"]) for r in done.curated(spark)) == [(1, Decimal("0.1000000001")), (5, None)]
    raws = sorted(r["raw_record"] for r in done.quarantine() if r["reason"] == "parse_error")
    assert raws == ['"{\\"id\\": 2}"', "3", "[4]", "null"]


ORDERS = {
    "name": "orders",
    "format": "xml",
    "options": {"row_tag": "order"},
    "null_values": ["", "n/a"],
    "columns": [
        {"name": "order_id", "source": "@id", "type": "int", "required": True},
        {"name": "status", "source": "@status", "allowed": ["open", "shipped"]},
        {"name": "customer", "type": "string", "required": True},
        {"name": "total", "type": "decimal(10,2)", "min": 0},
        {"name": "ordered_on", "source": "date", "type": "date"},
    ],
    "primary_key": ["order_id"],
}


def test_xml_records_by_row_tag(lake, spark):
    first = (
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<shop:orders xmlns:shop="urn:shop">\n'
        '  <shop:order id="1" status="open"><customer>Ann &amp; Bo</customer><total>1.10</total>'
        "<date>2024-01-02</date><note>ignored</note></shop:order>\n"
        '  <order id="2" status="shipped"><customer> <b>Cy</b> </customer><total>n/a</total></order>\n'
        '  <order id="3" status="lost"><customer>Dee</customer></order>\n'
        '  <order id="4"><customer/></order>\n'
        '  <order id="1"><customer>Again</customer></order>\n'
        "</shop:orders>\n"
    )
    second = '<orders><order id="5"><customer>Eve</customer><total>-1</total></order><order id="6"><customer>Fa'
    done = lake.run(ORDERS, {"a.xml": first.encode("utf-8"), "b.xml": second})
    rows = {r["order_id"]: r for r in done.curated(spark)}
    assert sorted(rows) == [1, 2]
    first = (rows[1]["customer"], rows[1]["total"], rows[1]["ordered_on"])
    assert first == ("Ann & Bo", Decimal("1.10"), date(2024, 1, 2))
    assert (rows[2]["status"], rows[2]["customer"], rows[2]["total"]) == ("shipped", "Cy", None)
    assert done.reasons() == [
        ("duplicate_key", "order_id"),
        ("missing_required", "customer"),
        ("not_allowed", "status"),
        ("out_of_range", "total"),
        ("parse_error", None),
    ]
    raw = {r["reason"]: r["raw_record"] for r in done.quarantine()}
    assert raw["parse_error"] == '<order id="6"><customer>Fa'
    assert raw["not_allowed"] == '<order id="3" status="lost"><customer>Dee</customer></order>'


def test_xml_files_are_decompressed_and_read_in_their_own_encoding(lake, spark):
    import bz2
    import gzip

    def orders(first: int, declaration: str = "") -> str:
        return f'{declaration}<orders><order id="{first}"><customer>Zoë</customer></order></orders>\n'

    latin = '<?xml version="1.0" encoding="ISO-8859-1"?>'
    files = {
        "a.xml.gz": gzip.compress(orders(1).encode("utf-8")),
        "b.xml.bz2": bz2.compress(orders(2, '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")),
        "c.xml": orders(3, latin).encode("latin-1"),
        "d.xml": orders(4, '<?xml version="1.0" encoding="UTF-8"?>').encode("latin-1"),
    }
    done = lake.run(ORDERS, files)
    assert sorted((r["order_id"], r["customer"]) for r in done.curated(spark)) == [(1, "Zoë"), (2, "Zoë"), (3, "Zoë")]
    # Declared UTF-8 but written in Latin-1: not read as something else, a parse_error.
    assert [(r["reason"], r["raw_record"]) for r in done.quarantine()] == [
        ("parse_error", '<order id="4"><customer>Zo\ufffd</customer></order></orders>')
    ]


def test_a_gzipped_file_with_its_own_header_and_a_bom_is_read_by_name(lake, spark):
    import gzip

    exported = gzip.compress("\ufeffseats,plan,id,email\n3,pro,2,b@x\n".encode())
    done = lake.run(
        {**ACCOUNTS, "name": "accounts_gzip"},
        {"2024/05/01/a.csv": "id,email,plan,seats\n1,a@x,free,1\n", "2024/05/01/b.csv.gz": exported},
    )
    rows = sorted((r["id"], r["email"], r["plan"], r["seats"]) for r in done.curated(spark))
    assert rows == [(1, "a@x", "free", 1), (2, "b@x", "pro", 3)]
    assert done.reasons() == []


def test_trimming_takes_every_unicode_space_off_both_ends_and_nothing_else(spark):
    """Values that need no trim skip it (the common case); the result is the same as trimming each."""
    from glue_jobs.lake_etl.readers import WHITESPACE, raw_value
    from glue_jobs.lake_etl.rules import trimmed

    values = [
        "a", "!", "~", "\x7f", "a b", " a", "a ", "\ta\n", "\u00a0a", "a\u00a0", "\u3000x\u3000", "x\ufeff",
        "é", "xé", "éx", "\u2003", " ", "", "\x1fa", "a\x1f", "\u00e9 ", " \u00e9", "1,5", "$125,000",
    ]  # fmt: skip
    frame = spark.createDataFrame([(v,) for v in values], f"{raw_value(0)} string")
    assert [row[0] for row in frame.select(trimmed(0)).collect()] == [v.strip(WHITESPACE) for v in values]
