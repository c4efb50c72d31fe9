"""Base of every MQTT payload: JSON, UTF-8, strict, tagged with `"schema": "<name>/<major>"`."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class PayloadError(ValueError):
    """A payload that is not valid JSON or does not fit its model; the message is one line."""


def one_line(err: ValidationError) -> str:
    """A pydantic error as one readable line: `field.path: reason; ...`."""
    parts = []
    for e in err.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"]) or "(payload)"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


class Part(BaseModel):
    """A strict, immutable piece of a payload (nested; carries no schema tag of its own)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        """`"photo": null` from another system means "no photo": an optional field given as null
        takes its default, as if it were left out (contract: null for absent optional fields).
        A required field given as null is still refused."""
        if not isinstance(data, dict) or None not in data.values():
            return data
        optional = set()
        for name, f in cls.model_fields.items():
            if not f.is_required():
                optional.add(name)
                if f.alias:
                    optional.add(f.alias)
        return {k: v for k, v in data.items() if not (v is None and k in optional)}


class Payload(Part):
    """A whole message: strict (unknown fields refused, docs/contracts.md) and tagged with its schema."""

    SCHEMA: ClassVar[str] = ""
    schema_: str = Field(default="", alias="schema")

    @model_validator(mode="before")
    @classmethod
    def _check_schema(cls, data: Any) -> Any:
        if isinstance(data, dict):
            given = data.get("schema", data.get("schema_"))
            if given is None:
                data = {**data, "schema": cls.SCHEMA}
            elif given != cls.SCHEMA:
                raise ValueError(f"schema is {given!r}, expected {cls.SCHEMA!r}")
        return data

    def to_json(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_json(cls, raw: bytes | str) -> Self:
        try:
            return cls.model_validate_json(raw)
        except ValidationError as e:
            raise PayloadError(f"{cls.SCHEMA}: {one_line(e)}") from None


Text50 = Annotated[str, Field(min_length=1, max_length=50)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
