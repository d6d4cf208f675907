# The project's vocabulary. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: help setup run reseed train test test-tools test-unit test-clock lint rules index eval bench nlu-eval bench-nlu scenarios \
	sentiment-train frustration-train sentiment-eval sentiment-bench suggest-eval redaction-eval purge alerts-eval loadtest

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## create/update both Python environments (only when requirements changed)
	@scripts/setup.sh

run: setup  ## run the product: train if needed, start Rasa, actions and the web app
	@$(PY) -m shopdesk.cli run

reseed: setup  ## date the demo store's orders from today (keeps profiles and conversations)
	@$(PY) -m shopdesk.cli reseed

train: setup  ## train the Rasa model if its inputs changed (FORCE=1 to retrain)
	@$(PY) -m shopdesk.cli train $(if $(FORCE),--force,)

test: setup test-tools  ## run every test: unit, Rasa data/story/NLU checks, end-to-end, browser
	@$(PY) -m shopdesk.cli train
	@$(PY) -m pytest $(PYTEST_ARGS)

test-tools:  ## test-only browser tools from npm (axe-core), only when their lock file changed
	@scripts/test_tools.sh

test-unit: setup  ## only the fast unit tests
	@$(PY) -m pytest -m "not integration" $(PYTEST_ARGS)

test-clock: setup  ## the fast unit tests with the wall clock moved 400 days ahead, 400 back, to 29 Feb
	@for move in --clock-shift-days=400 --clock-shift-days=-400 --clock-at=2028-02-29T23:30; do \
	  echo "• unit tests with the wall clock moved ($$move)"; \
	  $(PY) -m pytest -m "not integration" -q -p no:cacheprovider $$move $(PYTEST_ARGS) || exit 1; \
	done

lint:  ## ruff
	@.venv/bin/ruff check .

index: setup  ## build the Q&A index from $$SHOPDESK_QA_CORPUS (or SOURCES="a.csv b.tickets.jsonl")
	@$(PY) -m retrieval.cli build $(SOURCES)

eval: setup  ## retrieval: every corpus x every system, fitted on the tuning corpora, hold-out apart (table + plot)
	@$(PY) -m retrieval.cli eval

bench: setup  ## retrieval speed on synthetic 10k/100k corpora, next to rank-bm25
	@$(PY) -m retrieval.cli bench

scenarios: setup  ## the frozen scenario suite against the real servers: pass table by flow, hold-out apart
	@$(PY) -m shopdesk.cli scenarios

nlu-eval: setup  ## NLU intent cross-validation table (cached per NLU data)
	@$(PY) -m shopdesk.nlu_eval

bench-nlu: setup  ## NLU featurizer cost per message (batch 1): MiniLM alone vs MiniLM + mpnet
	@TF_CPP_MIN_LOG_LEVEL=2 .venv-rasa/bin/python scripts/bench_nlu_encoders.py

rules:  ## regenerate training_data/rules/forms.yml from scripts/generate_form_rules.py
	@$(PY) scripts/generate_form_rules.py

sentiment-train: setup  ## train the sentiment adapter (fetches the VADER data once; GPU if present)
	@$(PY) -m sentiment.cli train

frustration-train: setup  ## train the learned frustration detector on the shared sentence vectors
	@$(PY) -m sentiment.cli frustration-train

sentiment-eval: setup  ## sentiment accuracy per domain: ours vs VADER vs TextBlob (EXTRA=file.jsonl)
	@$(PY) -m sentiment.cli eval $(if $(EXTRA),--extra $(EXTRA),)

sentiment-bench: setup  ## sentiment speed: messages/s, p50/p95 for fp32/int8, batch 1/8/32, lexicons
	@$(PY) -m sentiment.cli bench

loadtest: setup  ## closed-loop load (Locust, REST + socket.io) on ours and a previous release (BASELINE=commit): table + plot
	@$(PY) -c "import locust" 2>/dev/null && test -x .venv/bin/py-spy || $(PY) -m pip install --quiet -r requirements-load.txt
	@$(PY) -m shopdesk.loadtest $(if $(BASELINE),--baseline $(BASELINE),) $(if $(USERS),--users $(USERS),) $(if $(SECONDS),--seconds $(SECONDS),) $(if $(TURNS),--turns $(TURNS),) $(if $(ONLY),--only $(ONLY),)

alerts-eval: setup  ## sentiment spike alerts on simulated streams: recall, precision, delay vs a plain rule (table + plot)
	@$(PY) -m sentiment.alert_eval

suggest-eval: setup  ## suggestions offline evaluation: hit@5 / NDCG@5 vs popularity (table + plot)
	@$(PY) -m profiles.suggest_eval --plot reports/suggestions_eval.png

redaction-eval: setup  ## personal-data redaction: precision / recall / F2 on the labelled samples
	@for f in redaction_sample redaction_test redaction_holdout; do echo "$$f"; \
	  $(PY) -m shopdesk.redaction_eval --sample training_data/privacy/$$f.jsonl; done

purge: setup  ## retention: delete interaction data older than $$SHOPDESK_RETENTION_DAYS (365)
	@$(PY) -m profiles.cli purge
