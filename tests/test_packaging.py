"""A plain (non-editable) install of the wheel carries the container code, so the step can be built."""

import subprocess
import sys
import zipfile
from pathlib import Path

from cursus.steps.contracts.lightgbmmt_training_contract import LIGHTGBMMT_TRAINING_CONTRACT

REPO = Path(__file__).resolve().parents[1]


def test_wheel_ships_container_code_and_finds_it(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("cursus_lightgbmmt-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    entry = f"cursus/_container/lightgbmmt/{LIGHTGBMMT_TRAINING_CONTRACT.entry_point}"
    assert entry in names
    assert "cursus/_container/lightgbmmt/requirements.txt" in names
    assert "cursus/_examples/lightgbmmt_dag.json" in names and "cursus/_examples/lightgbmmt_config.json" in names
    assert not [n for n in names if "__pycache__" in n]

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    probe = (
        "from cursus.core.staging import container_source_dir; import cursus;"
        "print(cursus.__file__); print(container_source_dir('lightgbmmt'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                         check=True, capture_output=True, text=True, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(site)) and out[1] == str(site / "cursus" / "_container" / "lightgbmmt")
