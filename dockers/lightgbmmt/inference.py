"""SageMaker inference handler of a LightGBMMT model: ``model_fn``, ``input_fn``, ``predict_fn``, ``output_fn``.

The serving toolkit of the framework image calls them in this order for every request::

    model = model_fn(model_dir)                       # once per worker; model_dir = unpacked model.tar.gz
    data = input_fn(request_body, content_type)       # body is str for text/csv and application/json, else bytes
    prediction = predict_fn(data, model)
    response = output_fn(prediction, accept)          # (body, content type)

Scoring goes through :class:`mtgbm.predictor.MultiTaskPredictor`, the same code the evaluation step uses.
Deploy with the SKLearn framework image the training step used, this file as ``entry_point`` and the
container code (``dockers/lightgbmmt``, which carries ``requirements.txt``) as ``source_dir``; the
model is the training step's model.tar.gz.

Requests
    ``text/csv`` (headerless, the SageMaker convention that batch transform relies on): one row per
    line, the feature columns in the order of ``feature_columns.txt`` in the model and nothing else.
    ``text/csv; header=present`` (RFC 4180's parameter): the first line names the columns; any order,
    extra columns ignored. A headerless body whose first line is the feature names is refused with
    a hint, rather than scored as a row of missing values.
    ``application/json``: ``{"instances": [...]}``, a top-level list, or one object; each instance is
    either an object of column -> value (extra keys ignored) or a list of values in feature order.
Responses, one probability per task, the main task first, then the subtasks in training order
    ``application/json`` (default, also for ``*/*``): ``{"task_names": [...], "predictions":
    [{"<task>_prob": p, ...}, ...]}``.
    ``text/csv``: one line per row, the probabilities only (no header, so batch transform can join
    output to input lines); ``text/csv; header=present`` adds a header line of ``<task>_prob`` names.
Errors
    A request the handler cannot use raises :class:`RequestError`, a ``ValueError`` whose text starts
    with the HTTP status (``400 Bad Request: ...``, ``415`` for an unsupported content type, ``406``
    for an unsupported accept type) and says what is wrong and how to fix it; it carries
    ``status_code``, ``message`` and ``phrase`` as the serving toolkit's own errors do. No traceback is
    put into any message.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `mtgbm` ships next to this file
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before lightgbm loads: busy-waiting threads stall workers

import pandas as pd  # noqa: E402

from mtgbm.errors import MTGBMInputError  # noqa: E402
from mtgbm.predictor import MultiTaskPredictor  # noqa: E402

CSV = "text/csv"
JSON = "application/json"
MAX_REPORTED = 5  # rows named in an error message


class RequestError(ValueError):
    """A request the model cannot answer; ``str()`` is ``"<status> <phrase>: <message>"``."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        self.status_code = int(status)
        self.phrase = status.phrase
        self.message = message
        super().__init__(f"{self.status_code} {self.phrase}: {message}")


@dataclass(frozen=True)
class Payload:
    """A decoded request: a frame with named columns, or positional rows (columns 0..n-1) to name by the model."""

    frame: pd.DataFrame
    named: bool


@dataclass(frozen=True)
class MediaType:
    """``type/subtype`` plus its parameters, e.g. ``text/csv; header=present``."""

    mime: str
    params: dict[str, str]

    @classmethod
    def parse(cls, value: str) -> "MediaType":
        mime, *params = [p.strip() for p in value.split(";")]
        pairs = (p.split("=", 1) for p in params if "=" in p)
        return cls(mime.lower(), {k.strip().lower(): v.strip().strip('"').lower() for k, v in pairs})

    @property
    def header(self) -> bool:
        return self.params.get("header") == "present"


# ----- the four handler functions -----
def model_fn(model_dir: str) -> MultiTaskPredictor:
    """Load the model directory SageMaker unpacked model.tar.gz into."""
    return MultiTaskPredictor.load(model_dir)


def input_fn(request_body: str | bytes, content_type: str | None) -> Payload:
    """Decode a CSV or JSON body; the model gives the columns their names in :func:`predict_fn`."""
    media = MediaType.parse(content_type or CSV)
    if media.mime not in (CSV, JSON):
        raise RequestError(
            f"content type '{content_type}' is not supported; send {CSV} (headerless, or with '; header=present') "
            f"or {JSON}", HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        )
    text = _text(request_body)
    if not text.strip():
        raise RequestError("the request body is empty; send at least one row")
    return _decode_csv(text, media.header) if media.mime == CSV else _decode_json(text)


def predict_fn(data: Payload, model: MultiTaskPredictor) -> pd.DataFrame:
    """Per-task probabilities (main task first) of every row of the request."""
    frame = data.frame if data.named else _name_columns(data.frame, model.feature_names)
    try:
        return model.predict(frame)
    except MTGBMInputError as err:  # missing feature columns: the caller's to fix
        raise RequestError(str(err)) from None


def output_fn(prediction: pd.DataFrame, accept: str | None) -> tuple[str, str]:
    """Serialise to the first supported type in ``accept`` (JSON for ``*/*`` or none)."""
    for candidate in (accept or JSON).split(","):
        media = MediaType.parse(candidate)
        if media.mime in (JSON, "*/*", "application/*"):
            tasks = [c.removesuffix("_prob") for c in prediction.columns]
            body = {"task_names": tasks, "predictions": prediction.to_dict(orient="records")}
            return json.dumps(body), JSON
        if media.mime in (CSV, "text/*"):
            return prediction.to_csv(index=False, header=media.header, lineterminator="\n"), CSV
    raise RequestError(f"accept type '{accept}' is not supported; ask for {JSON} or {CSV}", HTTPStatus.NOT_ACCEPTABLE)


# ----- decoding -----
def _text(body: str | bytes | bytearray) -> str:
    if isinstance(body, str):
        return body
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError as err:
        raise RequestError(f"the request body is not UTF-8 text (byte {err.start}); encode it as UTF-8") from None


def _decode_csv(text: str, header: bool) -> Payload:
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not rows[-1]:
        rows.pop()  # trailing blank lines
    width = len(rows[0])
    ragged = [(i + 1, len(r)) for i, r in enumerate(rows) if len(r) != width]
    if ragged:
        shown = ", ".join(f"line {n} has {k}" for n, k in ragged[:MAX_REPORTED])
        raise RequestError(f"CSV lines have different numbers of fields: line 1 has {width}, {shown}; every line needs the same fields")
    if header and len(rows) < 2:
        raise RequestError("CSV with header=present has a header line but no data rows; add rows below the header")
    # pandas parses the values exactly as the training job parsed its CSV files (same types per column).
    frame = pd.read_csv(io.StringIO(text), header=0 if header else None, skip_blank_lines=False,
                        nrows=len(rows) - int(header), low_memory=False)
    return Payload(frame, named=header)


def _decode_json(text: str) -> Payload:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise RequestError(f"the body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    instances = doc.get("instances", doc) if isinstance(doc, dict) else doc
    if isinstance(instances, dict):
        instances = [instances]
    if not isinstance(instances, list) or not instances:
        raise RequestError('JSON must be {"instances": [...]}, a list of rows, or one object of column -> value, with at least one row')
    kinds = {type(row) for row in instances}
    _reject_nested_values(instances)
    if kinds == {dict}:
        return Payload(pd.DataFrame.from_records(instances), named=True)
    if kinds == {list}:
        widths = {len(row) for row in instances}
        if len(widths) > 1:
            raise RequestError(f"JSON rows given as lists have different lengths {sorted(widths)}; give every row the same values")
        return Payload(pd.DataFrame(instances), named=False)
    names = sorted(k.__name__ for k in kinds)
    raise RequestError(f"JSON rows must all be objects (column -> value) or all lists (values in feature order); got {names}")


def _reject_nested_values(instances: list[object]) -> None:
    """A list/dict cell would make pandas raise a TypeError (HTTP 500) or become a silent NaN: refuse it."""
    for i, row in enumerate(instances):
        cells = row.items() if isinstance(row, dict) else enumerate(row) if isinstance(row, list) else ()
        for column, value in cells:
            if isinstance(value, (list, dict)):
                where = f"column '{column}'" if isinstance(row, dict) else f"value {column} (0-based)"
                raise RequestError(
                    f"JSON row {i} (0-based), {where}, is {'a list' if isinstance(value, list) else 'an object'} "
                    f"({json.dumps(value)[:60]}); every value must be a number, a string or null: "
                    "give one row per instance, each value a scalar"
                )


def _name_columns(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Positional rows -> the model's feature columns; the width must match exactly."""
    if frame.shape[1] != len(features):
        raise RequestError(
            f"rows have {frame.shape[1]} values but the model takes {len(features)} features in this order: "
            f"{features}. Send exactly these values per row, or name the columns (CSV with '; header=present', JSON objects)"
        )
    first = [str(v) for v in frame.iloc[0].tolist()]
    if first == features:
        raise RequestError("the first CSV line is the header of feature names; send Content-Type 'text/csv; header=present' or drop the header line")
    return frame.set_axis(features, axis=1)
