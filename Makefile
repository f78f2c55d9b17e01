.PHONY: demo test screenshots lint fmt serve worker clean
demo:  ## install and run the demo on the embedded default
	./scripts/demo.sh
test:  ## install, lint and run the suite on SQLite and PostgreSQL
	./scripts/test.sh
screenshots:  ## regenerate the README's screenshots from the browser tests
	./scripts/screenshots.sh
lint:
	./scripts/bootstrap.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy . && .venv/bin/lint-imports
fmt:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
serve:
	.venv/bin/tvp serve
worker:
	.venv/bin/tvp worker
clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
