"""The ETL job attaches the dataset's LF-tags to the table it creates, once, and says when refused."""

import pytest

from glue_jobs.lake_etl import governance


class FakeLakeFormation:
    """Lake Formation's tag calls on one table, recording what was attached."""

    def __init__(self, own: dict[str, str] | None = None, failure: str | None = None) -> None:
        self.own = dict(own or {})
        self.failure = failure
        self.calls: list[dict] = []

    def get_resource_lf_tags(self, Resource, ShowAssignedLFTags):
        assert ShowAssignedLFTags is True
        tags = [{"TagKey": key, "TagValues": [value]} for key, value in self.own.items()]
        # Inherited database tags are listed apart from the table's own.
        return {"LFTagOnDatabase": [{"TagKey": "zone", "TagValues": ["curated"]}], "LFTagsOnTable": tags}

    def add_lf_tags_to_resource(self, Resource, LFTags):
        self.calls.append({"Resource": Resource, "LFTags": LFTags})
        if self.failure is not None:
            return {"Failures": [{"Error": {"ErrorCode": "AccessDeniedException", "ErrorMessage": self.failure}}]}
        self.own.update({tag["TagKey"]: tag["TagValues"][0] for tag in LFTags})
        return {"Failures": []}


def test_missing_tags_are_attached_once():
    client = FakeLakeFormation(own={"dataset": "houses"})
    tags = {"dataset": "houses", "classification": "internal"}
    assert governance.tag_table(client, "db", "houses", tags) == {"classification": "internal"}
    assert client.calls == [
        {
            "Resource": {"Table": {"DatabaseName": "db", "Name": "houses"}},
            "LFTags": [{"TagKey": "classification", "TagValues": ["internal"]}],
        }
    ]
    assert governance.tag_table(client, "db", "houses", tags) == {}
    assert len(client.calls) == 1


def test_a_changed_classification_replaces_the_tables_value():
    client = FakeLakeFormation(own={"dataset": "houses", "classification": "internal"})
    governance.tag_table(client, "db", "houses", {"dataset": "houses", "classification": "confidential"})
    assert client.own["classification"] == "confidential"


def test_a_refusal_is_an_error_naming_the_table():
    client = FakeLakeFormation(failure="no ASSOCIATE on classification")
    with pytest.raises(RuntimeError, match=r"db\.houses: AccessDeniedException: no ASSOCIATE"):
        governance.tag_table(client, "db", "houses", {"classification": "internal"})


def test_without_tags_nothing_is_called():
    assert governance.tag_table(None, "db", "houses", {}) == {}


@pytest.mark.parametrize("value", ['["a"]', '{"a": 1}'])
def test_lf_tags_must_be_an_object_of_strings(value):
    with pytest.raises(ValueError, match="--lf_tags"):
        governance.parse_tags(value)
    assert governance.parse_tags(None) == {}
