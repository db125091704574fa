import pytest

from designdocs.checks.shell_blocks import shell_blocks

PAGE = """# Title

## Install

```bash
make site
# a comment, not a heading
```

```python
print("not shell")
```

### Details

```sh
make test
```

## Other

```bash
rm -rf /
```
"""


def test_the_bash_blocks_of_a_section_and_its_subsections() -> None:
    assert shell_blocks(PAGE, "Install") == [
        "make site\n# a comment, not a heading\n",
        "make test\n",
    ]
    assert shell_blocks(PAGE, "Other") == ["rm -rf /\n"]


def test_a_top_heading_holds_every_block_below_it() -> None:
    assert len(shell_blocks(PAGE, "Title")) == 3


def test_a_missing_section_is_an_error() -> None:
    with pytest.raises(LookupError, match="no heading 'Gone'"):
        shell_blocks(PAGE, "Gone")


def test_a_section_without_a_bash_block_is_an_error() -> None:
    with pytest.raises(LookupError, match="no bash block under 'Details'"):
        shell_blocks(PAGE.replace("```sh", "```text"), "Details")
