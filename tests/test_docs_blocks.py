"""Every Python block of the documentation (docs/*.md) is Python that parses: an example
a reader copies must not fail on its syntax. README.md's blocks also run
(test_readme_blocks.py). Every link between the pages leads somewhere, and every page
can be reached from docs/index.md."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
FENCED = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+ (.+)$", re.M)


def python_blocks():
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            yield pytest.param(match.group(1), id=f"{page.name}:{line}")


@pytest.mark.parametrize("source", list(python_blocks()))
def test_a_python_block_of_the_docs_parses(source):
    ast.parse(source)


def anchors(page: Path) -> set[str]:
    """The #fragments a page's headings get on GitHub."""
    headings = HEADING.findall(FENCED.sub("", page.read_text(encoding="utf-8")))
    return {re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-") for title in headings}


def local_links():
    for page in [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]:
        text = FENCED.sub("", page.read_text(encoding="utf-8"))
        for match in LINK.finditer(text):
            if not match.group(1).startswith(("http://", "https://", "mailto:")):
                yield pytest.param(page, match.group(1), id=f"{page.name}:{match.group(1)}")


@pytest.mark.parametrize("page, link", list(local_links()))
def test_a_link_between_pages_leads_to_a_page_and_heading(page, link):
    path, _, fragment = link.partition("#")
    target = (page.parent / path).resolve() if path else page
    assert target.exists(), f"{page.name} links to {path}, which does not exist"
    if fragment and target.suffix == ".md":
        assert fragment in anchors(target), f"{target.name} has no heading #{fragment}"


def test_every_page_is_listed_in_the_index():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = {link.partition("#")[0] for link in LINK.findall(index)}
    assert {page.name for page in DOCS.glob("*.md")} - {"index.md"} <= listed
