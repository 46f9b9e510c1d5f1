"""Each class of bad config gets the README's answer: file, field, line, what was given (a short
excerpt) and what is allowed; never a traceback, never a bad value let through."""

from pathlib import Path

import pytest

from config import ConfigError, load_config

HEAD = "project: mlake\nenvironment: test\n"


def error_for(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "test.yaml"
    path.write_bytes(text if isinstance(text, bytes) else (HEAD + text).encode())
    with pytest.raises(ConfigError) as caught:
        load_config(path=path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    return message


def loads(tmp_path: Path, text: str):
    path = tmp_path / "ok.yaml"
    path.write_text(HEAD + text)
    return load_config(path=path)


# --- YAML itself -------------------------------------------------------------------------------


def test_a_key_given_twice_is_rejected_with_both_lines(tmp_path):
    message = error_for(tmp_path, "network:\n  az_count: 2\n  nat_gateways: 0\n  az_count: 3\n")
    assert "network.az_count (line 6): given twice in one mapping, first at line 4" in message


def test_a_dataset_key_given_twice_deep_in_a_list(tmp_path):
    text = "catalog:\n  datasets:\n    - name: a\n      format: csv\n      format: json\n      columns: [{name: x}]\n"
    assert "catalog.datasets[0].format (line 7): given twice in one mapping, first at line 6" in error_for(
        tmp_path, text
    )


def test_a_file_that_is_not_utf8_names_line_and_column(tmp_path):
    message = error_for(tmp_path, HEAD.encode() + b"tags:\n  owner: caf\xe9\n")
    assert "not UTF-8 text at line 4, column 13 (byte 0xe9)" in message


def test_a_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + HEAD.encode())
    assert load_config(path=path).project == "mlake"


@pytest.mark.parametrize("number", [".inf", "-.Inf", ".nan", "1.0e+999"])
def test_a_number_yaml_reads_as_infinity_is_rejected_where_it_is(tmp_path, number):
    message = error_for(
        tmp_path,
        f"catalog:\n  datasets:\n    - name: a\n      format: csv\n      columns:\n"
        f"        - {{name: x, type: double, max: {number}}}\n",
    )
    assert f"catalog.datasets[0].columns[0].max (line 8): YAML reads {number!r} as infinity" in message


def test_a_quoted_infinity_is_a_string_and_judged_as_one(tmp_path):
    message = error_for(tmp_path, "network:\n  az_count: '.inf'\n")
    assert "network.az_count (line 4)" in message and "given '.inf'" in message


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path):
    message = error_for(tmp_path, 'tags:\n  owner: "data\nnetwork:\n  enabled: false\nanalytics:\n  enabled: true\n')
    assert "not valid YAML at line 4, column 10: a quoted value that starts here is not closed" in message


def test_an_unclosed_bracket_is_reported_where_it_opens(tmp_path):
    message = error_for(tmp_path, "network:\n  interface_endpoints: [glue, kms\n  az_count: 2\n")
    assert "not valid YAML at line 4, column 24" in message and "not closed" in message


# --- keys --------------------------------------------------------------------------------------


def test_an_invisible_character_in_a_key_is_shown_escaped(tmp_path):
    message = error_for(tmp_path, "analytics\u200b:\n  enabled: true\n")
    assert "'analytics\\u200b' (line 3): unknown key; did you mean 'analytics'?" in message
    assert "\u200b" not in message


def test_a_key_with_a_trailing_no_break_space_is_shown_escaped(tmp_path):
    message = error_for(tmp_path, "network:\n  az_count\u00a0: 2\n")
    assert "network.'az_count\\xa0' (line 4): unknown key; did you mean 'az_count'?" in message


def test_an_unknown_key_under_a_per_dataset_override_lists_the_allowed_keys(tmp_path):
    text = (
        "catalog:\n  datasets:\n    - {name: houses, format: csv, columns: [{name: x}]}\n"
        "  etl:\n    datasets:\n      houses:\n        worker_typ: G.2X\n"
    )
    message = error_for(tmp_path, text)
    assert "catalog.etl.datasets.houses.worker_typ (line 9): unknown key; did you mean 'worker_type'?" in message
    assert "Allowed here: max_retries, number_of_workers, timeout_minutes, worker_type" in message


def test_an_unknown_key_inside_a_list_item_lists_the_allowed_keys(tmp_path):
    text = "catalog:\n  datasets:\n    - {name: a, format: csv, columns: [{name: x, typo: 1}]}\n"
    message = error_for(tmp_path, text)
    assert "catalog.datasets[0].columns[0].typo" in message and "Allowed here: allowed, format, max" in message


# --- what is shown as given --------------------------------------------------------------------


def test_given_is_a_short_excerpt_never_a_whole_section(tmp_path):
    message = error_for(tmp_path, "processing:\n  enabled: true\n  release_label: emr-7.2.0\n")
    assert "processing (line 3): processing needs network.enabled" in message
    assert "; given" not in message and "release_label" not in message


def test_a_long_value_is_cut_short(tmp_path):
    message = error_for(tmp_path, f"labeling:\n  domain_prefix: {'x' * 300}\n")
    given = message.split("given ", 1)[1]
    assert len(given) < 70 and "..." in given


# --- several layers at once --------------------------------------------------------------------


def test_several_wrong_layers_are_all_reported_at_once(tmp_path):
    text = (
        "warehouse:\n  enabled: true\nprocessing:\n  enabled: true\n"
        "labeling:\n  domain_prefix: Bad\nnetwork:\n  az_count: 9\n"
    )
    message = error_for(tmp_path, text)
    assert "network.az_count (line 10)" in message and "labeling.domain_prefix (line 8)" in message
    assert "4 invalid values" not in message or "warehouse" in message


def test_cross_layer_problems_of_several_layers_are_all_reported(tmp_path):
    text = "warehouse:\n  enabled: true\nprocessing:\n  enabled: true\ningestion:\n  enabled: true\n"
    message = error_for(tmp_path, text)
    assert "3 invalid values" in message
    for layer, line in (("warehouse", 3), ("processing", 5), ("ingestion", 7)):
        assert f"  - {layer} (line {line}): " in message


# --- values ------------------------------------------------------------------------------------


def test_vpc_cidr_too_small_for_its_subnets(tmp_path):
    message = error_for(tmp_path, "network:\n  enabled: true\n  cidr: 10.0.0.0/24\n")
    assert "network.cidr (line 5): too small for its subnets (data /30)" in message
    assert "use a VPC of /22 or larger" in message and "given '10.0.0.0/24'" in message


def test_with_nat_the_public_subnets_set_the_smallest_vpc(tmp_path):
    message = error_for(tmp_path, "network:\n  enabled: true\n  cidr: 10.0.0.0/22\n  nat_gateways: 1\n")
    assert "public /30" in message and "use a VPC of /20 or larger" in message
    assert loads(tmp_path, "network:\n  enabled: true\n  cidr: 10.0.0.0/20\n  nat_gateways: 1\n").network.enabled


def test_an_unknown_region_is_rejected_with_close_matches(tmp_path):
    message = error_for(tmp_path, "region: eu-westt-1\n")
    assert "region (line 3): not a region the CDK knows; did you mean 'eu-west-1'" in message
    assert "given 'eu-westt-1'" in message


def test_every_region_the_cdk_knows_is_accepted(tmp_path):
    from aws_cdk.region_info import RegionInfo

    for region in ("eu-west-1", "us-gov-west-1", "cn-north-1"):
        assert region in {info.name for info in RegionInfo.regions}
        assert loads(tmp_path, f"region: {region}\n").region == region


def test_a_project_name_with_two_hyphens_is_refused_for_redshift_and_dms(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("project: my--lake\nenvironment: test\n")
    with pytest.raises(ConfigError, match=r"project \(line 1\): .*two consecutive hyphens; given 'my--lake'"):
        load_config(path=path)


def test_the_default_cognito_domain_prefix_is_checked_like_a_given_one(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("project: amazonlake\nenvironment: test\nlabeling:\n  enabled: true\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path=path)
    message = str(caught.value)
    assert (
        "labeling.domain_prefix (line 3): the default (<project>-<environment>-labeling-<account id>) is refused"
        in message
    )
    assert "'amazon'" in message and "given 'amazonlake-test-labeling-123456789012'" in message


def test_the_default_bucket_prefix_is_checked_like_a_given_one(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(f"project: {'a' * 24}\nenvironment: {'b' * 10}\n")
    with pytest.raises(ConfigError, match=r"storage: the default bucket prefix .* is too long"):
        load_config(path=path)


def test_a_dms_resource_identifier_longer_than_dms_allows(tmp_path):
    import yaml

    dev = yaml.safe_load(Path("config/environments/dev.yaml").read_text())
    dev["project"] = "a-long-project-name"
    source = dev["ingestion"]["dms"]["sources"][0]
    source["name"] = "a-long-source-name"
    path = tmp_path / "dms.yaml"
    path.write_text(yaml.safe_dump(dev, sort_keys=False))
    with pytest.raises(ConfigError) as caught:
        load_config(path=path)
    assert "ingestion.dms.sources[0].name (line" in str(caught.value)
    assert "which DMS limits to 31" in str(caught.value)


# --- column rules ------------------------------------------------------------------------------


def dataset(column: str) -> str:
    return f"catalog:\n  datasets:\n    - name: a\n      format: csv\n      columns:\n        - {column}\n"


@pytest.mark.parametrize(
    ("column", "problem"),
    [
        ("{name: x, type: int, allowed: ['1', '2']}", "allowed[0] '1': is a str, the column is int"),
        ("{name: x, type: int, allowed: [1, true]}", "allowed[1] True: is a bool, the column is int"),
        ("{name: x, type: int, allowed: [3000000000]}", "outside the range of int"),
        ("{name: x, allowed: [yes, 'no']}", "allowed[0] True: is a bool, the column is a string; quote it"),
        ("{name: x, type: boolean, allowed: ['true']}", "is a str, the column is boolean"),
        ("{name: x, type: 'decimal(5,2)', allowed: [1.234]}", "allowed[0] 1.234: does not fit decimal(5,2)"),
        ("{name: x, type: date, allowed: ['31/01/2024']}", "is not a date"),
        ("{name: x, type: int, min: 0, max: 5, allowed: [7]}", "outside min/max"),
        ("{name: x, pattern: '^[a-z]+$', allowed: [ABC]}", "does not match pattern"),
    ],
)
def test_allowed_values_are_typed_against_the_column(tmp_path, column, problem):
    message = error_for(tmp_path, dataset(column))
    assert "catalog.datasets[0].columns[0] (line 8)" in message and problem in message


def test_allowed_values_of_the_right_type_load(tmp_path):
    config = loads(
        tmp_path,
        dataset("{name: x, type: date, allowed: [2024-01-31, '2024-02-29']}")
        + "        - {name: y, type: 'decimal(5,2)', allowed: [1.5, 100]}\n"
        + "        - {name: z, type: double, allowed: [1, 2.5]}\n",
    )
    assert len(config.catalog.datasets[0].columns) == 3


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(?P<year>\\\\d{4})", "'(?P' at 0"),
        ("\\\\d{,3}", "Java reads '{' as a repetition"),
        ("[a[]", "opens a nested class in Java"),
        ("(?a)\\\\w+", "inline flag(s) 'a'"),
        ("x(?#note)", "no inline comments"),
    ],
)
def test_a_pattern_python_accepts_but_spark_rejects(tmp_path, pattern, problem):
    message = error_for(tmp_path, dataset(f'{{name: x, pattern: "{pattern}"}}'))
    assert "catalog.datasets[0].columns[0].pattern (line 8): Spark compiles patterns as Java" in message
    assert problem in message


# --- schedules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        ("cron(0 25 * * ? *)", "hours '25': '25' is out of range; hours is 0-23"),
        ("cron(60 1 * * ? *)", "minutes is 0-59"),
        ("cron(0 1 32 * ? *)", "day-of-month is 1-31"),
        ("cron(0 1 * 13 ? *)", "month is 1-12 or JAN-DEC"),
        ("cron(0 1 ? * 8 *)", "day-of-week is 1-7 or SUN-SAT"),
        ("cron(0 1 * * * *)", "exactly one of day-of-month (*) and day-of-week (*) must be '?'"),
        ("cron(0 1 ? * ? *)", "exactly one of day-of-month"),
        ("cron(0 1 * * MON *)", "exactly one of day-of-month"),
        ("cron(0 1 * * ? 1969)", "year is 1970-2199"),
        ("cron(0 1 ? * MON#2 *)", "Glue does not support '#'"),
        ("cron(0/2 * * * ? *)", "runs would be 2 minute(s) apart; Glue schedules must be at least 5"),
        ("cron(0 9-5 * * ? *)", "runs backwards"),
        ("cron(0 1 * * ?)", "a Glue schedule is cron(<minutes> <hours>"),
    ],
)
def test_glue_cron_checked_field_by_field(tmp_path, cron, problem):
    message = error_for(tmp_path, dataset("{name: x}") + f"      schedule: {cron}\n")
    assert "catalog.datasets[0].schedule (line 9)" in message and problem in message


@pytest.mark.parametrize(
    "cron", ["cron(0 2 * * ? *)", "cron(0/5 * * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(15 10 L * ? 2030)"]
)
def test_valid_glue_crons_load(tmp_path, cron):
    assert loads(tmp_path, dataset("{name: x}") + f"      schedule: {cron}\n").catalog.datasets[0].schedule == cron


def test_redshift_schedules_are_at_least_an_hour_apart(tmp_path):
    message = error_for(tmp_path, "warehouse:\n  pause_resume:\n    pause: cron(0,30 19 ? * MON-FRI *)\n")
    assert "warehouse.pause_resume.pause (line 5)" in message and "at least 60 minutes apart" in message


def test_eventbridge_cron_takes_the_nth_weekday():
    from config.models.cron import require_cron

    require_cron("cron(0 8 ? * MON#2 *)", "EventBridge")
    with pytest.raises(ValueError, match="occurrence 1 to 5"):
        require_cron("cron(0 8 ? * MON#6 *)", "EventBridge")
    with pytest.raises(ValueError, match="'#' takes one weekday"):
        require_cron("cron(0 8 ? * 3#1,6#3 *)", "EventBridge")
