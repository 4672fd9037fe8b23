# Cairn's one Makefile. Every target runs with the project's Node.js (tools/with-node.sh).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
RUN := tools/with-node.sh
NODE_TEST := $(RUN) node --disable-warning=ExperimentalWarning --test --test-reporter=spec

.PHONY: build setup typecheck lint test-unit test-integration test demo bench clean-cache generate

setup:
	tools/setup.sh

# Regenerates deploy/crds from the Kinds in src/api/kinds (a unit test fails when they differ).
generate:
	$(RUN) node tools/gen-crds.ts

# The JavaScript the image runs (docs/adr/0001): src/ compiled into dist/.
build:
	$(RUN) npx tsc -p tsconfig.build.json

typecheck:
	$(RUN) npx tsc --noEmit -p .

lint:
	$(RUN) npx eslint .
	$(RUN) npx prettier --check .

test-unit:
	$(NODE_TEST) 'test/unit/**/*.test.ts'

# One dev cluster is shared by every integration test file (test/harness/global.ts).
test-integration:
	$(NODE_TEST) --test-global-setup=test/harness/global.ts --test-timeout=600000 'test/integration/**/*.test.ts'

# What CI runs (.ci/run): setup from nothing, then every check and the whole suite.
test: setup
	$(MAKE) --no-print-directory typecheck lint test-unit test-integration

# The demo needs the control plane and restic, not the object-store emulators (MinIO, fake-gcs-server).
demo:
	tools/setup.sh kubernetes etcd restic
	$(RUN) node --disable-warning=ExperimentalWarning tools/demo.ts

# Benchmarks print Cairn against a baseline in the same run (restic alone; plain Node); they assert nothing.
# BASELINE=<checkout of an earlier release, npm ci done> adds its startup and memory figures side by side.
# COUNT=<n> sets how many BackupConfigurations bench/operator.ts creates at once (default 1000).
bench: setup
	$(RUN) node --disable-warning=ExperimentalWarning bench/restic-small-files.ts
	$(RUN) node --disable-warning=ExperimentalWarning bench/startup.ts $(if $(BASELINE),--baseline $(BASELINE))
	$(RUN) node --disable-warning=ExperimentalWarning bench/operator.ts $(if $(COUNT),--count $(COUNT))
	$(RUN) node --disable-warning=ExperimentalWarning bench/dump.ts --objects 1000
	$(RUN) node --disable-warning=ExperimentalWarning bench/dump.ts --objects 10000
	$(RUN) node --disable-warning=ExperimentalWarning bench/restore.ts --objects 1000
	$(RUN) node --disable-warning=ExperimentalWarning bench/restore.ts --objects 10000 --runs 1
