"""The custom Glue classifier that tells a crawler how a dataset's raw files are written."""

from __future__ import annotations

from aws_cdk import aws_glue as glue
from constructs import Construct

from config.models.catalog import DatasetSpec

# The crawler's built-in grok pattern for the Apache combined log format.
COMBINED_APACHE_LOG = "%{COMBINEDAPACHELOG}"
# A JSON document that is itself the record (JSON lines, or one object per file).
WHOLE_DOCUMENT = "$"


class DatasetClassifier(Construct):
    """A classifier named `name` (classifier names are global in an account and region, so the
    caller prefixes them), made from the dataset's format and read options:

    - `apache_log`: grok, classification `combined_apache`, pattern `%{COMBINEDAPACHELOG}`;
    - `csv`: the dataset's delimiter (comma, pipe, tab, semicolon, Ctrl-A) and quote; header
      `PRESENT`, or `ABSENT` with the column names taken from the declared columns' sources;
      values are trimmed and single-column files are not taken for CSV;
    - `json`: the JSONPath of the records (`options.json_root`; default `$`, the whole document);
    - `xml`: the row tag (`options.row_tag`).

    Attributes: `classifier` (CfnClassifier), `classifier_name`, `kind` (grok, csv, json or xml).
    """

    def __init__(self, scope: Construct, id: str, *, name: str, dataset: DatasetSpec) -> None:
        super().__init__(scope, id)
        self.classifier_name = name
        options = dataset.options
        if dataset.format == "apache_log":
            self.kind = "grok"
            properties = dict(
                grok_classifier=glue.CfnClassifier.GrokClassifierProperty(
                    name=name, classification="combined_apache", grok_pattern=COMBINED_APACHE_LOG
                )
            )
        elif dataset.format == "csv":
            self.kind = "csv"
            properties = dict(
                csv_classifier=glue.CfnClassifier.CsvClassifierProperty(
                    name=name,
                    delimiter=options.delimiter,
                    quote_symbol=options.quote,
                    contains_header="PRESENT" if options.header else "ABSENT",
                    # Without a header line the declared columns name the fields, in file order.
                    header=None if options.header else [column.source_name for column in dataset.columns],
                    disable_value_trimming=False,
                    allow_single_column=False,
                )
            )
        elif dataset.format == "json":
            self.kind = "json"
            properties = dict(
                json_classifier=glue.CfnClassifier.JsonClassifierProperty(
                    name=name, json_path=WHOLE_DOCUMENT if options.json_root is None else options.json_root
                )
            )
        elif dataset.format == "xml":
            self.kind = "xml"
            properties = dict(
                xml_classifier=glue.CfnClassifier.XMLClassifierProperty(
                    name=name, classification="xml", row_tag=options.row_tag
                )
            )
        else:  # pragma: no cover - the config model admits only the formats above
            raise ValueError(f"no classifier for format {dataset.format!r}")
        self.classifier = glue.CfnClassifier(self, "Classifier", **properties)
