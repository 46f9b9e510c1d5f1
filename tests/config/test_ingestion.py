"""A bad ingestion section names the file, the field, the value given and what is allowed."""

from __future__ import annotations

import copy

import pytest

from config import load_config

from .test_loader import error_for, write

SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:crm-AbCdEf"
SOURCE = {
    "name": "crm",
    "engine": "mysql",
    "host": "10.100.4.20",
    "port": 3306,
    "secret_arn": SECRET,
    "tables": [{"schema_name": "crm", "table_name": "customers"}],
}
EXTRACT = {
    "name": "house_sales",
    "engine": "postgresql",
    "host": "10.20.40.15",
    "port": 5432,
    "database": "listings",
    "secret_arn": SECRET,
    "query": "SELECT * FROM houses",
    "schedule": "cron(0 3 * * ? *)",
}
DATASET = {
    "name": "crm_customers",
    "format": "csv",
    "raw_prefix": "dms/crm/crm/customers/",
    "columns": [{"name": "customer_id", "type": "int"}],
}


ENDPOINTS = ["glue", "kms", "logs", "monitoring", "secretsmanager", "sts"]


def ingestion(sources=None, extracts=None, **dms) -> dict:
    return {
        "network": {"enabled": True, "interface_endpoints": ENDPOINTS},
        "ingestion": {
            "enabled": True,
            "dms": {"sources": [SOURCE] if sources is None else sources, **dms},
            "jdbc": {"extracts": [] if extracts is None else extracts},
        },
    }


def source(**changes) -> dict:
    result = copy.deepcopy(SOURCE)
    result.update(changes)
    return result


def test_a_minimal_source_loads_with_secure_defaults(tmp_path):
    config = load_config(path=write(tmp_path, ingestion()))
    (crm,) = config.ingestion.dms.sources
    assert crm.ssl_mode == "require" and crm.output.format == "parquet" and crm.output.date_partitioning
    assert crm.egress_cidrs == ["10.100.4.20/32"]
    assert crm.raw_prefix == "dms/crm/"
    assert config.ingestion.dms.capacity == "serverless" and config.ingestion.dms.owns_account_roles is False


@pytest.mark.parametrize(
    "engine", ["mysql", "mariadb", "postgres", "aurora", "aurora-postgresql", "sqlserver", "oracle"]
)
def test_every_documented_engine_is_accepted(tmp_path, engine):
    ssl = "verify-ca" if engine == "oracle" else "require"
    extra = {"certificate_arn": "arn:aws:dms:eu-west-1:111122223333:cert:CA1"} if engine == "oracle" else {}
    config = load_config(path=write(tmp_path, ingestion([source(engine=engine, database="db", ssl_mode=ssl, **extra)])))
    assert config.ingestion.dms.sources[0].engine == engine


def test_unknown_engine(tmp_path):
    message = error_for(tmp_path, ingestion([source(engine="db2")]))
    assert "ingestion.dms.sources[0].engine" in message and "'db2'" in message and "'aurora-postgresql'" in message


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_port_out_of_range(tmp_path, port):
    message = error_for(tmp_path, ingestion([source(port=port)]))
    assert "ingestion.dms.sources[0].port" in message and f"given {port}" in message


@pytest.mark.parametrize(
    "arn",
    [
        "crm-password",
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:crm",  # partial: no 6-character suffix
        "arn:aws:ssm:eu-west-1:111122223333:parameter/crm",
        "arn:aws:secretsmanager:eu-west-1:1111:secret:crm-AbCdEf",
    ],
)
def test_secret_arn_format(tmp_path, arn):
    message = error_for(tmp_path, ingestion([source(secret_arn=arn)]))
    assert "ingestion.dms.sources[0].secret_arn" in message and "complete ARN of a Secrets Manager secret" in message
    assert repr(arn) in message


def test_duplicate_source_names(tmp_path):
    message = error_for(tmp_path, ingestion([source(), source(host="10.1.1.1")]))
    assert "ingestion.dms.sources" in message and "must be unique; repeated: crm" in message


def test_source_name_shape(tmp_path):
    message = error_for(tmp_path, ingestion([source(name="CRM_db")]))
    assert "ingestion.dms.sources[0].name" in message and "'CRM_db'" in message


def test_ssl_mode_the_engine_does_not_support(tmp_path):
    message = error_for(tmp_path, ingestion([source(engine="sqlserver", database="erp", ssl_mode="verify-full")]))
    assert "ssl_mode 'verify-full' is not supported by DMS for sqlserver; allowed: none, require" in message


def test_verifying_the_server_needs_a_certificate(tmp_path):
    message = error_for(tmp_path, ingestion([source(ssl_mode="verify-full")]))
    assert "needs certificate_arn" in message


def test_engines_that_connect_to_one_database_need_it(tmp_path):
    message = error_for(tmp_path, ingestion([source(engine="postgres")]))
    assert "a postgres source needs `database`" in message


def test_a_host_name_needs_the_networks_it_is_in(tmp_path):
    message = error_for(tmp_path, ingestion([source(host="db.example.internal")]))
    assert "is a name, not an address: give `cidrs`" in message
    config = load_config(path=write(tmp_path, ingestion([source(host="db.example.internal", cidrs=["10.9.0.0/24"])])))
    assert config.ingestion.dms.sources[0].egress_cidrs == ["10.9.0.0/24"]


def test_invalid_cidr(tmp_path):
    message = error_for(tmp_path, ingestion([source(cidrs=["10.9.0.1/24"])]))
    assert "ingestion.dms.sources[0].cidrs" in message and "'10.9.0.1/24' is not a valid IPv4 network" in message


def test_only_excludes_replicate_nothing(tmp_path):
    message = error_for(tmp_path, ingestion([source(tables=[{"schema_name": "crm", "include": False}])]))
    assert "no include rule" in message


def test_a_pattern_cannot_be_renamed_or_feed_a_dataset(tmp_path):
    message = error_for(tmp_path, ingestion([source(tables=[{"schema_name": "crm", "rename_table": "x"}])]))
    assert "ingestion.dms.sources[0].tables[0]" in message and "is a pattern" in message


def test_one_schema_renamed_two_ways(tmp_path):
    tables = [
        {"schema_name": "crm", "table_name": "a", "rename_schema": "sales"},
        {"schema_name": "crm", "table_name": "b", "rename_schema": "marketing"},
    ]
    message = error_for(tmp_path, ingestion([source(tables=tables)]))
    assert "schema 'crm' is renamed to marketing and sales" in message


@pytest.mark.parametrize(("low", "high"), [(3, 4), (8, 4)])
def test_serverless_capacity_units(tmp_path, low, high):
    message = error_for(tmp_path, ingestion(serverless={"min_capacity_units": low, "max_capacity_units": high}))
    assert "ingestion.dms.serverless" in message
    assert ("must be one of 1, 2, 4" in message) or ("min_capacity_units (8) exceeds max_capacity_units (4)" in message)


def test_instance_class_shape(tmp_path):
    message = error_for(tmp_path, ingestion(capacity="instance", instance={"instance_class": "t3.medium"}))
    assert "ingestion.dms.instance.instance_class" in message and "'t3.medium'" in message


def test_ingestion_needs_the_network(tmp_path):
    data = ingestion()
    data["network"] = {"enabled": False}
    assert "ingestion.enabled needs network.enabled" in error_for(tmp_path, data)


def test_without_nat_the_endpoints_ingestion_calls_are_required(tmp_path):
    data = ingestion(extracts=[EXTRACT])
    data["network"]["interface_endpoints"] = ["kms"]
    message = error_for(tmp_path, data)
    assert "add glue, logs, monitoring, secretsmanager, sts to network.interface_endpoints" in message
    data["network"] = {"enabled": True, "nat_gateways": 1}
    assert load_config(path=write(tmp_path, data)).ingestion.enabled


# --- the link to datasets -------------------------------------------------------------------------------------


def linked(declared: dict, **table) -> dict:
    data = ingestion(
        [source(output={"format": "csv"}, tables=[{"schema_name": "crm", "table_name": "customers", **table}])]
    )
    data["catalog"] = {"datasets": [declared]}
    return data


def test_a_table_feeding_a_declared_dataset_loads(tmp_path):
    config = load_config(path=write(tmp_path, linked(DATASET, dataset="crm_customers")))
    assert config.ingestion.dms.sources[0].tables[0].dataset == "crm_customers"


def test_the_dataset_must_be_declared(tmp_path):
    message = error_for(tmp_path, linked(DATASET, dataset="customers"))
    assert "ingestion.dms.sources[0].tables[0].dataset (line" in message
    assert "no such dataset in catalog.datasets; declared: crm_customers; given 'customers'" in message


def test_the_dataset_must_read_the_tables_folder(tmp_path):
    message = error_for(tmp_path, linked({**DATASET, "raw_prefix": "crm/customers/"}, dataset="crm_customers"))
    assert "reads raw files from 'crm/customers/'" in message and "'dms/crm/crm/customers/'" in message


def test_renames_move_the_tables_folder(tmp_path):
    data = linked(
        {**DATASET, "raw_prefix": "dms/crm/sales/clients/"},
        dataset="crm_customers",
        rename_schema="sales",
        rename_table="clients",
    )
    assert load_config(path=write(tmp_path, data)).ingestion.dms.sources[0].tables[0].dataset == "crm_customers"


def test_the_dataset_format_must_be_what_dms_writes(tmp_path):
    data = linked(DATASET, dataset="crm_customers")
    data["ingestion"]["dms"]["sources"][0]["output"] = {"format": "parquet"}
    message = error_for(tmp_path, data)
    assert "has format 'csv', but source 'crm' writes 'parquet'" in message


def test_the_dataset_must_read_dms_csv_as_written(tmp_path):
    message = error_for(tmp_path, linked({**DATASET, "options": {"delimiter": "|"}}, dataset="crm_customers"))
    assert "options.delimiter ','" in message


# --- JDBC extracts ----------------------------------------------------------------------------------------------


def test_an_extract_loads(tmp_path):
    config = load_config(path=write(tmp_path, ingestion(extracts=[EXTRACT])))
    (extract,) = config.ingestion.jdbc.extracts
    assert extract.raw_prefix == "jdbc/house_sales/" and extract.enforce_ssl is True


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("SELECT * FROM houses;", "trailing ';'"),
        ("DELETE FROM houses", "must be a SELECT"),
    ],
)
def test_the_query_must_be_a_select_spark_can_wrap(tmp_path, query, problem):
    message = error_for(tmp_path, ingestion(extracts=[{**EXTRACT, "query": query}]))
    assert "ingestion.jdbc.extracts[0].query" in message and problem in message


def test_the_schedule_is_a_glue_cron(tmp_path):
    message = error_for(tmp_path, ingestion(extracts=[{**EXTRACT, "schedule": "daily"}]))
    assert "ingestion.jdbc.extracts[0].schedule" in message and "cron(" in message


def test_duplicate_extract_names(tmp_path):
    message = error_for(tmp_path, ingestion(extracts=[EXTRACT, EXTRACT]))
    assert "JDBC extract names must be unique; repeated: house_sales" in message


def test_extract_port_and_secret(tmp_path):
    message = error_for(tmp_path, ingestion(extracts=[{**EXTRACT, "port": 70000, "secret_arn": "x"}]))
    assert "2 invalid values" in message
    assert "ingestion.jdbc.extracts[0].port" in message and "ingestion.jdbc.extracts[0].secret_arn" in message
