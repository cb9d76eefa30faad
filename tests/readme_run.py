"""Runs code blocks of README.md one after another in one namespace, as a reader pastes
them into one file or one shell: run by tests/test_readme_blocks.py as a script or through
``manage.py shell``. The blocks come as JSON ``[[line, code], ...]`` in the file named by
README_BLOCKS; a failing block's traceback names README.md and the line that failed.
What each print() shows is written to README_PRINTED as ``[[line, repr], ...]``, for the
test to compare with the README's comment on that line."""

import builtins
import json
import os
import sys
from pathlib import Path

printed = []


def recording_print(*values, **options):
    printed.append([sys._getframe(1).f_lineno, ", ".join(map(repr, values))])
    builtins.print(*values, **options)


namespace = {"__name__": "__main__", "print": recording_print}
for line, code in json.loads(Path(os.environ["README_BLOCKS"]).read_text()):
    exec(compile("\n" * (line - 1) + code, "README.md", "exec"), namespace)
Path(os.environ["README_PRINTED"]).write_text(json.dumps(printed))
