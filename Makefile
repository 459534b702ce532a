# The Lambda artifact, built by `sam build` (BuildMethod: makefile, target build-SkillFunction) or
# by hand: make build-SkillFunction ARTIFACTS_DIR=/tmp/artifact
#
# It holds lambda/, skill/ (without the chat and the web service), content/, and the runtime
# dependencies in requirements.txt as wheels for the function's platform. boto3 is not bundled:
# the Lambda Python runtime ships it (see README, "Deploying").
PYTHON ?= python3
PLATFORM ?= manylinux2014_aarch64
PY_VERSION ?= 3.12

.PHONY: build-SkillFunction
build-SkillFunction:
	test -n "$(ARTIFACTS_DIR)"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --upgrade \
		--target "$(ARTIFACTS_DIR)" --platform $(PLATFORM) --python-version $(PY_VERSION) \
		--implementation cp --only-binary=:all: -r requirements.txt
	mkdir -p "$(ARTIFACTS_DIR)/lambda"
	cp lambda/lambda_function.py "$(ARTIFACTS_DIR)/lambda/"
	cp -R skill content "$(ARTIFACTS_DIR)/"
	rm -rf "$(ARTIFACTS_DIR)/skill/chat" "$(ARTIFACTS_DIR)/skill/web" "$(ARTIFACTS_DIR)"/bin \
		"$(ARTIFACTS_DIR)/content/templates/_compiled" "$(ARTIFACTS_DIR)/content/_catalog.pickle"
	# Speech templates as Python modules and the catalogue as a pickle: no Jinja or TOML parsing at
	# cold start.
	# -P and PYTHONPATH: run the artifact's own skill and Jinja2, not whatever this Python has installed.
	PYTHONPATH="$(ARTIFACTS_DIR)" $(PYTHON) -P -m skill compile
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	# Lambda's file system is read-only, so Python cannot cache bytecode there: ship it, compiled by
	# the runtime's own Python version when this machine has it (otherwise it is skipped).
	if python$(PY_VERSION) -c pass 2>/dev/null; then python$(PY_VERSION) -m compileall -q -j 0 "$(ARTIFACTS_DIR)"; fi
	find "$(ARTIFACTS_DIR)" -name "*.dist-info" -type d -prune -exec sh -c 'rm -rf "$$1"/RECORD "$$1"/INSTALLER' _ {} \;
