# Two entry points, both self-installing into .venv: `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# The container code also runs on the SKLearn 1.4-2 image's Python 3.10 and pandas 2.3 (see tests/sklearn-1.4-2-image.txt).
PY310  ?= $(firstword $(wildcard /root/.pyenv/versions/3.10.*/bin/python3.10) $(shell command -v python3.10))
IMGENV := .venv-py310
IMGSTAMP := $(IMGENV)/.installed

.PHONY: demo test test-image bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/cursus demo --workdir demo-output

test: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m pytest -q

$(IMGSTAMP): tests/sklearn-1.4-2-image.txt dockers/lightgbmmt/requirements.txt
	@test -n "$(PY310)" || { echo "test-image needs a Python 3.10 interpreter (set PY310=/path/to/python3.10)"; exit 1; }
	$(PY310) -m venv $(IMGENV)
	$(IMGENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(IMGENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tests/sklearn-1.4-2-image.txt \
		-r dockers/lightgbmmt/requirements.txt pytest sagemaker-training
	touch $(IMGSTAMP)

# Container tests only: the SDK side (sagemaker) is not part of the image.
test-image: $(IMGSTAMP)
	OMP_WAIT_POLICY=PASSIVE PYTHONPATH=src $(IMGENV)/bin/python -m pytest -q tests/container

bench: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(PY) bench/bench_booster.py --repeat 3
	OMP_WAIT_POLICY=PASSIVE $(PY) bench/bench_predict.py --repeat 3
