"""Alignment checks: contract <-> specification, and contract <-> the script that implements it.

Contract and spec must use the same logical names, both ways. The script (and the package next to
it) must really read every logical name and env var the contract declares: the check parses the
code with ``ast`` and collects the keys it looks up in contract mappings and in the environment, so a
script that stops reading ``CONTRACT.expected_input_paths["model_artifacts_input"]`` or
``os.environ.get("USE_PRECOMPUTED_FEATURES")`` fails, and a contract entry nobody reads cannot linger.
"""

from __future__ import annotations

import ast
from pathlib import Path

from cursus.core.base.contract_base import ScriptContract
from cursus.core.base.specification_base import StepSpecification
from cursus.core.errors import AlignmentError


def contract_spec_problems(contract: ScriptContract, spec: StepSpecification) -> list[str]:
    """Every logical name on one side and not the other, for inputs and for outputs."""
    problems = []
    pairs = (
        ("input", set(contract.expected_input_paths), "dependency", {d.logical_name for d in spec.dependencies}),
        ("output", set(contract.expected_output_paths), "output", {o.logical_name for o in spec.outputs}),
    )
    for c_kind, c_names, s_kind, s_names in pairs:
        for name in sorted(c_names - s_names):
            problems.append(f"contract {c_kind} '{name}' has no {s_kind} of that name in the {spec.step_type} spec")
        for name in sorted(s_names - c_names):
            problems.append(f"spec {s_kind} '{name}' of {spec.step_type} has no {c_kind} of that name in the contract")
    return problems


def check_contract_spec(spec: StepSpecification) -> None:
    """Raise AlignmentError listing every mismatch between ``spec`` and its script contract."""
    if spec.script_contract is None:
        raise AlignmentError(f"specification of {spec.step_type} has no script contract to align with")
    problems = contract_spec_problems(spec.script_contract, spec)
    if problems:
        raise AlignmentError(
            f"{spec.step_type}: contract and specification disagree:\n" + "\n".join(f"  - {p}" for p in problems)
            + "\nUse the same logical names in both."
        )


_CONTRACT_FIELDS = ("expected_input_paths", "expected_output_paths", "optional_env_vars", "required_env_vars")


def contract_reads(code_dir: Path) -> set[str]:
    """String keys the code in ``code_dir`` reads from the contract or from the environment.

    A read is ``m["key"]`` or ``m.get("key")`` where ``m`` is a contract mapping (``contract.expected_input_paths``
    or a name assigned from an expression using one), ``os.environ`` or a name containing ``env``; or
    ``os.getenv("key")``. Docstrings, messages and unrelated dict keys do not count. Tests are skipped.
    """
    reads: set[str] = set()
    for path in sorted(Path(code_dir).rglob("*.py")):
        if "tests" in path.parts or path.name.startswith("test_"):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        sources = _contract_derived_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and _is_source(node.value, sources):
                key = node.slice
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args and (
                (node.func.attr == "get" and _is_source(node.func.value, sources))
                or (node.func.attr == "getenv" and ast.unparse(node.func.value) == "os")
            ):
                key = node.args[0]
            else:
                continue
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                reads.add(key.value)
    return reads


def _mentions_contract(expr: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in _CONTRACT_FIELDS for n in ast.walk(expr))


def _contract_derived_names(tree: ast.AST) -> set[str]:
    """Names assigned (also pairwise in ``a, b = x, y``) from an expression that uses a contract mapping."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = zip(target.elts, node.value.elts)
            else:
                pairs = [(target, node.value)]
            names |= {t.id for t, v in pairs if isinstance(t, ast.Name) and _mentions_contract(v)}
    return names


def _is_source(expr: ast.AST, names: set[str]) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in names or "env" in expr.id.lower()
    if isinstance(expr, ast.Attribute):
        return expr.attr in _CONTRACT_FIELDS or ast.unparse(expr) == "os.environ"
    return False


def contract_script_problems(contract: ScriptContract, code_dir: Path) -> list[str]:
    """What the contract declares and the code in ``code_dir`` never refers to."""
    code_dir = Path(code_dir)
    if not (code_dir / contract.entry_point).is_file():
        return [f"entry point {contract.entry_point} not found in {code_dir}"]
    used = contract_reads(code_dir)
    expected = [
        *(("input path", n) for n in contract.expected_input_paths),
        *(("output path", n) for n in contract.expected_output_paths),
        *(("env var", n) for n in (*contract.required_env_vars, *contract.optional_env_vars)),
    ]
    return [
        f"{kind} '{name}' is declared in the contract but {contract.entry_point} and its package never read it"
        for kind, name in expected if name not in used
    ]


def check_contract_script(contract: ScriptContract, code_dir: Path) -> None:
    problems = contract_script_problems(contract, code_dir)
    if problems:
        raise AlignmentError(
            "script and contract disagree:\n" + "\n".join(f"  - {p}" for p in problems)
            + "\nRead each through the contract in the script, or remove it from the contract."
        )
