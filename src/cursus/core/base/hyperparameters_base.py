"""Base model hyperparameters shared by Cursus training steps.

The same class validates on the SDK side (before a job is launched) and inside the container
(what actually arrived), so it must stay import-light: pydantic only.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


def validation_error_lines(err: ValidationError, unknown: str = "key") -> list[tuple[str, str]]:
    """``(dotted location, message)`` per pydantic error; the message carries the bad value and the fix.

    The one formatting of pydantic errors, for hyperparameters here and for configs on the SDK side.
    """
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = f"unknown {unknown} (value {json.dumps(e['input'], default=str)[:80]}); remove it or fix its spelling"
        elif e["type"] != "value_error" and "input" in e:
            msg = f"{msg} (got {json.dumps(e['input'], default=str)[:80]})"
        lines.append((loc, msg))
    return lines


class HyperparameterError(ValueError):
    """Hyperparameters that cannot be used; the message names each field, value and fix."""


class ModelHyperparameters(BaseModel):
    """Field lists and identifiers common to every tabular model.

    ``full_field_list`` is every column the data carries (features, id, labels); the features are
    ``tab_field_list`` (numeric) plus ``cat_field_list`` (categorical), both drawn from it.
    Unknown keys are an error: a misspelt key silently ignored is a model trained wrong.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # Keys that older versions or the reference code accepted; a user who still sends them gets told why.
    removed_keys: ClassVar[dict[str, str]] = {}

    full_field_list: list[str] = Field(min_length=1, description="Every column in the input data.")
    cat_field_list: list[str] = Field(default_factory=list, description="Categorical feature columns.")
    tab_field_list: list[str] = Field(default_factory=list, description="Numeric feature columns.")
    id_name: str = Field(min_length=1, description="Row identifier column, copied into predictions.")
    label_name: str = Field(min_length=1, description="Main label column.")
    model_class: str = "base"

    @model_validator(mode="before")
    @classmethod
    def _reject_removed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            stale = sorted(k for k in data if k in cls.removed_keys)
            if stale:
                raise ValueError(
                    "; ".join(f"'{k}' is no longer a hyperparameter: {cls.removed_keys[k]}" for k in stale)
                )
        return data

    @model_validator(mode="after")
    def _check_field_lists(self) -> "ModelHyperparameters":
        for name in ("full_field_list", "cat_field_list", "tab_field_list"):
            values = getattr(self, name)
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{name} lists {dupes} more than once; list each column once.")
        full = set(self.full_field_list)
        for name in ("cat_field_list", "tab_field_list"):
            missing = [c for c in getattr(self, name) if c not in full]
            if missing:
                raise ValueError(f"{name} has {missing}, which are not in full_field_list; add them there or remove them.")
        both = sorted(set(self.cat_field_list) & set(self.tab_field_list))
        if both:
            raise ValueError(f"{both} are in both cat_field_list and tab_field_list; a feature is one or the other.")
        if not self.feature_names:
            raise ValueError("cat_field_list and tab_field_list are both empty; name at least one feature.")
        for name in ("id_name", "label_name"):
            value = getattr(self, name)
            if value in self.feature_names:
                raise ValueError(f"{name}='{value}' is also listed as a feature; remove it from the feature lists.")
        return self

    @property
    def feature_names(self) -> list[str]:
        """Model input columns in a fixed order: numeric first, then categorical."""
        return [*self.tab_field_list, *self.cat_field_list]

    @classmethod
    def parse(cls, data: dict[str, Any], *, source: str = "hyperparameters") -> "ModelHyperparameters":
        """Validate ``data``; raise :class:`HyperparameterError` with one readable line per problem."""
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            lines = [f"  - {loc}: {msg}" if loc else f"  - {msg}" for loc, msg in validation_error_lines(err)]
            raise HyperparameterError(f"Invalid {source} for {cls.__name__}:\n" + "\n".join(lines)) from None

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of the user-settable fields (what the container re-validates)."""
        return self.model_dump(mode="json")
