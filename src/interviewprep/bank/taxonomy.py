"""The taxonomy of seed skills that question topics refer to."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interviewprep.bank.schema import Identifier, ShortText
from interviewprep.bank.yamlsafe import YamlError, read_yaml_file


class TaxonomyEntry(BaseModel):
    """One skill or responsibility named by the seed job documents."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    title: ShortText
    area: Identifier
    minimum: Annotated[int, Field(ge=0)]
    named_in: Annotated[list[ShortText], Field(min_length=1)]


class Taxonomy(BaseModel):
    """All taxonomy entries, in reading order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: Annotated[list[TaxonomyEntry], Field(min_length=1)]

    @property
    def ids(self) -> set[str]:
        """Every entry id."""
        return {e.id for e in self.entries}

    def get(self, entry_id: str) -> TaxonomyEntry | None:
        """The entry with this id, if any."""
        return next((e for e in self.entries if e.id == entry_id), None)


def load_taxonomy(path: Path) -> Taxonomy:
    """Read ``taxonomy.yaml``.

    Raises:
        ValueError: with the file (and line, for YAML errors) in the message.
    """
    try:
        doc = read_yaml_file(path)
        return Taxonomy.model_validate(doc.data)
    except YamlError as exc:
        raise ValueError(f"{path}:{exc.line or 1}: {exc.message}") from exc
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc
