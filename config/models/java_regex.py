"""Whether Spark can compile a regular expression that Python's `re` compiles.

Spark's `rlike` compiles a column's `pattern` with `java.util.regex.Pattern`; a pattern Java rejects
fails every ETL run of the dataset. Config loading (and `make synth`) needs no JVM, so this module
implements the differences instead: given a pattern Python compiles, it names each construct Java
refuses or reads differently. tests/config/test_java_regex.py holds it to a JVM's verdict on a
corpus of patterns (compiled in the JVM the test suite starts for Spark).
"""

from __future__ import annotations

import re
import warnings

# Inline flags both engines know: Python's 'a' (ASCII) and 'L' (locale) are Python only.
JAVA_FLAGS = set("imsxu-")
REPETITION = re.compile(r"\{\d+(,\d*)?\}")


def java_regex_problem(pattern: str) -> str | None:
    """None if Java compiles `pattern` to the same meaning as Python; else what to change."""
    i, n = 0, len(pattern)
    in_class = False
    class_start = 0
    while i < n:
        char = pattern[i]
        if char == "\\":
            problem = _escape_problem(pattern, i, in_class)
            if problem:
                return problem
            if pattern.startswith("N{", i + 1):  # \N{NAME}: skip the name's braces
                i = pattern.index("}", i) + 1
                continue
            i += 2
            continue
        if in_class:
            if char == "]" and i > class_start:
                in_class = False
            elif char == "[":
                return f"'[' at {i} inside a character class opens a nested class in Java; write \\[ for a literal '['"
            elif pattern.startswith("&&", i):
                return f"'&&' at {i} inside a character class is an intersection in Java; write \\&\\& for literal '&'"
            i += 1
            continue
        if char == "[":
            in_class = True
            class_start = i + 1 + (pattern.startswith("^", i + 1))
            # A ']' right after '[' or '[^' is a literal in both engines.
        elif pattern.startswith("(?", i):
            problem = _group_problem(pattern, i)
            if problem:
                return problem
        elif char == "{":
            match = REPETITION.match(pattern, i)
            if match is None:
                return (
                    f"'{{' at {i}: Java reads '{{' as a repetition {{n}}, {{n,}} or {{n,m}} and rejects anything "
                    "else (Python would take it literally); write \\{ for a literal '{'"
                )
            i = match.end()
            continue
        i += 1
    return None


def _escape_problem(pattern: str, i: int, in_class: bool) -> str | None:
    escaped = pattern[i + 1 : i + 2]
    if escaped == "U":
        return f"\\U at {i} is Python only; Java writes a code point as \\x{{1F600}}"
    if escaped == "0" and not pattern[i + 2 : i + 3].isdigit():
        return f"\\0 at {i}: Java's octal escape needs a digit after \\0 (\\00 for NUL)"
    if escaped == "b" and in_class:
        return f"[\\b] at {i} (backspace) is Python only; Java writes \\x08"
    return None


def _group_problem(pattern: str, i: int) -> str | None:
    kind = pattern[i + 2 : i + 3]
    if kind == "P":
        return f"'(?P' at {i}: Python's named groups; Java writes (?<name>...) and \\k<name>"
    if kind == "#":
        return f"'(?#' at {i}: Java has no inline comments"
    if kind == "(":
        return f"'(?(' at {i}: Java has no conditional groups"
    flags = re.match(r"[a-zA-Z-]+", pattern[i + 2 :])
    if flags and set(flags[0]) - JAVA_FLAGS:
        unknown = "".join(sorted(set(flags[0]) - JAVA_FLAGS))
        return f"inline flag(s) {unknown!r} at {i} are Python only; Java knows i, m, s, x, u"
    return None


def check_pattern(pattern: str) -> None:
    """Raise ValueError unless both Python and Spark (Java) compile `pattern`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Python warns of [ and && in classes; checked below
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a valid regular expression ({error})") from None
    problem = java_regex_problem(pattern)
    if problem:
        raise ValueError(f"Spark compiles patterns as Java regular expressions: {problem}")
