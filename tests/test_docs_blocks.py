"""Every Python block of the documentation (docs/*.md) is Python that parses: an example
a reader copies must not fail on its syntax. README.md's blocks also run
(test_readme_blocks.py)."""

import ast
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks():
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            yield pytest.param(match.group(1), id=f"{page.name}:{line}")


@pytest.mark.parametrize("source", list(python_blocks()))
def test_a_python_block_of_the_docs_parses(source):
    ast.parse(source)
