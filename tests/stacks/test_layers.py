"""The README's layer table is generated from the layers' stack classes (stacks/layers.py)."""

import re

from stacks.layers import README, layer_rows, with_table


def test_the_readme_layer_table_is_up_to_date():
    readme = README.read_text(encoding="utf-8")
    assert readme == with_table(readme), "README.md's layer table is stale: run `make schema`"


def test_each_row_has_a_place_of_its_own_and_links_pages_that_exist():
    rows = layer_rows()
    assert len({row.position for row in rows}) == len(rows), "two layers' rows have the same position"
    for row in rows:
        for page in re.findall(r"\]\(([^)]+)\)", row.docs):
            assert (README.parent / page).is_file(), f"the {row.layer} row links {page}, which does not exist"
