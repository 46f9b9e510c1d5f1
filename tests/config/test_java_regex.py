"""The config's Java-regex check agrees with Java itself: every pattern Python compiles is accepted
by the check exactly when the JVM that Spark runs on compiles it (java.util.regex, as `rlike` does),
except '&&' in a class, which Java compiles as an intersection and the check refuses as ambiguous."""

import itertools
import re
import warnings

import pytest

from config.models.java_regex import java_regex_problem

# Constructs where the two engines differ, and constructs they share.
FRAGMENTS = [
    r"(?P<year>\d{4})",
    r"(?P=year)",
    r"(?#comment)",
    r"(?(1)a|b)",
    r"(?a)",
    r"(?L)",
    r"(?i)",
    r"(?x)",
    r"(?s)",
    r"(?m)",
    r"(?u)",
    r"(?i:abc)",
    r"(?-i:abc)",
    r"\d{,3}",
    r"\d{2,}",
    r"\d{2,4}",
    r"\d{3}",
    r"a{x}",
    r"{",
    r"}",
    r"x{",
    r"{}",
    r"a{1,2}+",
    r"a*+",
    r"(?>ab)",
    r"[[]",
    r"[a[]",
    r"[]a]",
    r"[^]a]",
    r"[\[]",
    r"[a&&b]",
    r"[a&b]",
    r"[\b]",
    r"\b",
    r"\B",
    r"\0",
    r"\07",
    r"\012",
    r"\x41",
    r"\u0041",
    r"\U0001F600",
    r"\N{EM DASH}",
    r"\v",
    r"\a",
    r"\Z",
    r"\A",
    r"\s+",
    r"\w-",
    r"[\w-]",
    r"[-a]",
    r"[a-]",
    r"\-",
    r"\.",
    r"\$",
    r"\{",
    r"\}",
    r"\\",
    r"\'",
    r"(a)\1",
    r"(?:x|y)",
    r"(?=a)",
    r"(?!a)",
    r"(?<=ab)",
    r"(?<!a)",
    r"^",
    r"$",
    r".",
    r"a|b",
    r"[^\d\s]",
    r"[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}",
    r"^\d{3}-\d{4}$",
    r"^[A-Z]{2}\d{2} ?\d{4}$",
    r"\p{L}",
    r"é",
    r"\é",
]


def python_compiles(pattern: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            re.compile(pattern)
            return True
        except re.error:
            return False


def corpus() -> list[str]:
    patterns = FRAGMENTS + [f"^{a}{b}$" for a, b in itertools.product(FRAGMENTS[:40], ["x", r"\d+", "[a-z]"])]
    patterns += [f"{a}{b}" for a, b in itertools.product(["abc", "(x)"], FRAGMENTS)]
    return [p for p in dict.fromkeys(patterns) if python_compiles(p)]


@pytest.fixture(scope="module")
def java_compiles(spark):
    pattern_class = spark.sparkContext._jvm.java.util.regex.Pattern

    def compiles(pattern: str) -> bool:
        try:
            pattern_class.compile(pattern)
            return True
        except Exception:  # py4j wraps java.util.regex.PatternSyntaxException
            return False

    return compiles


def test_the_check_agrees_with_the_jvm(java_compiles):
    patterns = corpus()
    assert len(patterns) > 150
    disagreements = []
    for pattern in patterns:
        problem = java_regex_problem(pattern)
        ambiguous = problem is not None and "intersection in Java" in problem
        if java_compiles(pattern) != (problem is None) and not ambiguous:
            disagreements.append((pattern, java_compiles(pattern), problem))
    assert disagreements == []


def test_the_check_refuses_what_java_reads_as_an_intersection(java_compiles):
    assert java_compiles("[a&&b]") and "intersection" in java_regex_problem("[a&&b]")


def test_spark_rlike_uses_the_pattern_as_the_check_assumes(spark):
    # A pattern the check accepts behaves the same in Spark as in Python (searched, not anchored).
    rows = spark.createDataFrame([("ab12",), ("zz",)], ["v"])
    matched = [r.v for r in rows.filter(rows.v.rlike(r"\d{2}")).collect()]
    assert matched == ["ab12"] and java_regex_problem(r"\d{2}") is None
