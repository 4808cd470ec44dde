"""The SageMaker inference handler, called as the serving toolkit calls it, on a freshly trained model."""

from __future__ import annotations

import json
import re
from http import HTTPStatus

import numpy as np
import pytest
from test_predictor_fixture import trained_model

import inference

# The toolkit hands input_fn a str for these content types (exact match) and bytes for anything else.
UTF8_TYPES = ("application/json", "text/csv")


def invoke(model, body: str | bytes, content_type: str | None, accept: str | None = "application/json"):
    """model_fn's result -> input_fn -> predict_fn -> output_fn, as sagemaker-inference's transformer does."""
    if isinstance(body, str):
        body = body.encode("utf-8")  # requests arrive as bytes
    if content_type in UTF8_TYPES:
        body = body.decode("utf-8")
    data = inference.input_fn(body, content_type)
    prediction = inference.predict_fn(data, model)
    return inference.output_fn(prediction, accept)


@pytest.fixture(scope="module")
def trained():
    return trained_model()


@pytest.fixture(scope="module")
def model(trained):
    return inference.model_fn(str(trained.model_dir))


@pytest.fixture(scope="module")
def rows(trained):
    return trained.split("test").head(25)


@pytest.fixture(scope="module")
def expected(model, rows):
    return model.predict(rows)


def _json_probs(body: str, task_names: list[str]) -> np.ndarray:
    doc = json.loads(body)
    assert doc["task_names"] == task_names
    return np.array([[r[f"{t}_prob"] for t in task_names] for r in doc["predictions"]])


def test_headerless_csv_in_feature_order_to_json(model, rows, expected):
    body = rows[model.feature_names].to_csv(index=False, header=False)
    response, content_type = invoke(model, body, "text/csv")
    assert content_type == "application/json"
    np.testing.assert_array_equal(_json_probs(response, model.task_names), expected.to_numpy())
    assert model.task_names[0] == "is_fraud"


def test_csv_with_header_any_order_extra_columns(model, rows, expected):
    body = rows.iloc[:, ::-1].to_csv(index=False)  # every column, reversed, ids and labels included
    response, _ = invoke(model, body, "text/csv; header=present", accept="*/*")
    np.testing.assert_array_equal(_json_probs(response, model.task_names), expected.to_numpy())


@pytest.mark.parametrize("shape", ["instances-objects", "list-of-lists", "single-object"])
def test_json_requests(model, rows, expected, shape):
    plain = rows.astype(object).where(rows.notna(), None)  # NaN -> null; floats keep every digit
    records = plain.to_dict(orient="records")
    if shape == "instances-objects":
        doc, n = {"instances": records}, len(rows)
    elif shape == "list-of-lists":
        doc, n = plain[model.feature_names].to_numpy().tolist(), len(rows)
    else:
        doc, n = records[0], 1
    response, _ = invoke(model, json.dumps(doc), "application/json")
    np.testing.assert_array_equal(_json_probs(response, model.task_names), expected.to_numpy()[:n])


def test_csv_response_one_line_per_row_main_task_first(model, rows, expected):
    body = rows[model.feature_names].to_csv(index=False, header=False)
    response, content_type = invoke(model, body, "text/csv", accept="text/csv")
    assert content_type == "text/csv"
    lines = response.splitlines()
    assert len(lines) == len(rows)
    np.testing.assert_array_equal(np.array([[float(v) for v in ln.split(",")] for ln in lines]), expected.to_numpy())
    with_header, _ = invoke(model, body, "text/csv", accept="text/csv; header=present")
    assert with_header.splitlines()[0] == ",".join(f"{t}_prob" for t in model.task_names)


def test_accept_list_picks_the_first_supported_type(model, rows):
    body = rows[model.feature_names].head(2).to_csv(index=False, header=False)
    _, content_type = invoke(model, body, "text/csv", accept="application/x-protobuf, text/csv;q=0.9")
    assert content_type == "text/csv"


def _csv(model, rows, n=3) -> str:
    return rows[model.feature_names].head(n).to_csv(index=False, header=False)


BAD_REQUESTS = {
    "empty body": (lambda m, r: "  \n", "text/csv", None, 400, "request body is empty"),
    "ragged csv": (lambda m, r: _csv(m, r) + "1,2\n", "text/csv", None, 400, "line 4 has 2"),
    "wrong width": (lambda m, r: "1,2,3\n4,5,6\n", "text/csv", None, 400, "rows have 3 values but the model takes 22 features"),
    "header without header=present": (
        lambda m, r: r[m.feature_names].head(2).to_csv(index=False), "text/csv", None, 400, "header=present"),
    "header only": (lambda m, r: ",".join(m.feature_names) + "\n", "text/csv; header=present", None, 400, "no data rows"),
    "invalid json": (lambda m, r: '{"instances": [1, 2', "application/json", None, 400, "not valid JSON"),
    "json of a number": (lambda m, r: "42", "application/json", None, 400, "instances"),
    "json mixed rows": (lambda m, r: '{"instances": [{"num_00": 1}, [1, 2]]}', "application/json", None, 400, "all be objects .* or all lists"),
    "json missing feature": (
        lambda m, r: json.dumps({"instances": [{"num_00": 1.0}]}), "application/json", None, 400, r"missing feature column\(s\) \['num_01'"),
    "json list cell": (
        lambda m, r: json.dumps({"instances": [{"num_00": 1.0}, {"num_00": [1, 2], "num_01": 2.0}]}),
        "application/json", None, 400, r"JSON row 1 \(0-based\), column 'num_00', is a list \(\[1, 2\]\).*each value a scalar"),
    "json dict cell": (
        lambda m, r: json.dumps([{"num_01": {"a": 1}}]),
        "application/json", None, 400, r"JSON row 0 \(0-based\), column 'num_01', is an object \(\{\"a\": 1\}\)"),
    "json positional nested": (
        lambda m, r: json.dumps({"instances": [[1.0] * 21 + [[3.0]]]}),
        "application/json", None, 400, r"JSON row 0 \(0-based\), value 21 \(0-based\), is a list"),
    "not utf-8": (lambda m, r: b"\xff\xfe1,2", "text/csv; charset=latin-1", None, 400, "not UTF-8"),
    "content type": (lambda m, r: b"\x93NUMPY\xff", "application/x-npy", None, 415, "content type 'application/x-npy' is not supported"),
    "accept type": (lambda m, r: _csv(m, r), "text/csv", "application/x-protobuf", 406, "accept type 'application/x-protobuf'"),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_malformed_requests_get_a_4xx_message_not_a_traceback(model, rows, case):
    make_body, content_type, accept, status, fragment = BAD_REQUESTS[case]
    with pytest.raises(inference.RequestError) as caught:
        invoke(model, make_body(model, rows), content_type, accept or "application/json")
    err = caught.value
    assert (err.status_code, err.phrase) == (status, HTTPStatus(status).phrase), str(err)
    assert str(err) == f"{status} {HTTPStatus(status).phrase}: {err.message}"
    assert re.search(fragment, err.message), err.message
    assert "Traceback" not in str(err) and 'File "' not in str(err)
