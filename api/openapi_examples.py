"""The response examples in the API's OpenAPI document, taken from real checks so that
they cannot drift from what the API returns.

`python -m api.openapi_examples` runs the request examples of api/models.py through the
real service and catalogue (the rules alone, so that retraining the judge leaves them
as they are) and writes api/openapi_examples.json, which api/models.py reads.
tests/test_api.py fails when that file differs from what the checker returns now: after a
rule pack change, rerun this module.
"""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from pathlib import Path

EXAMPLES_FILE = "openapi_examples.json"
_KEEP = 2  # list items kept in the catalogue examples (the real ones run to hundreds)


def stored() -> dict[str, dict]:
    """The examples file shipped with the package ({} when it has not been built yet)."""
    try:
        return json.loads(files("api").joinpath(EXAMPLES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build() -> dict[str, dict]:
    """Every response example, from real checks of the request examples."""
    from checker.pipeline import rules_checker

    from .catalogue import build_catalogue
    from .models import BatchRequest, CheckRequest
    from .service import CheckService
    from .settings import Settings

    checker, settings = rules_checker(), Settings()
    service = CheckService(checker, settings)
    check_example = _request_examples(CheckRequest)[0]
    segments_example, documents_example = _request_examples(BatchRequest)[:2]
    out: dict[str, dict] = {
        "CheckResponse": json.loads(service.check(CheckRequest.model_validate(check_example))),
        "SegmentsResponse": json.loads(service.batch(BatchRequest.model_validate(segments_example))),
        "DocumentsResponse": json.loads(service.batch(BatchRequest.model_validate(documents_example))),
    }
    catalogue = build_catalogue(checker, settings)
    rules = json.loads(catalogue.rules)
    rules["categories"], rules["rules"] = rules["categories"][:_KEEP], rules["rules"][:_KEEP]
    out["RulesResponse"] = rules
    first_rule = out["CheckResponse"]["findings"][0]["rule_id"]
    detail = json.loads(catalogue.rule_details[first_rule])
    detail["examples"] = {k: v[:_KEEP] for k, v in detail["examples"].items()}
    detail["patterns"] = dict(list(detail["patterns"].items())[:_KEEP])
    out["RuleDetail"] = detail
    out["InfoResponse"] = json.loads(catalogue.info)
    return out


def _request_examples(model) -> list[dict]:
    return model.model_config["json_schema_extra"]["examples"]


def main() -> int:
    path = Path(__file__).with_name(EXAMPLES_FILE)
    path.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
