"""The JavaScript linter that `make test` runs (make lint-js) is strict where it matters:
it refuses markup set from text, eval, and undeclared names. Run on purpose-made bad
files beside the real ones."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ESLINT = ROOT / "tools" / "lint-js" / "node_modules" / ".bin" / "eslint"
CONFIG = ROOT / "tools" / "lint-js" / "eslint.config.mjs"

BAD = {
    "markup.js": '"use strict";\ndocument.body.innerHTML = location.hash;\n',
    "evil.js": '"use strict";\neval("1");\n',
    "undeclared.js": '"use strict";\nstemcheckNowhere();\n',
}


@pytest.fixture(scope="module")
def eslint():
    if not ESLINT.exists():
        pytest.skip("ESLint is not installed: `make lint-js` installs it (make test does)")
    return ESLINT


@pytest.mark.parametrize("name", sorted(BAD))
def test_the_linter_refuses(eslint, name) -> None:
    target = ROOT / "examples" / "browser-extension" / f"_lint_probe_{name}"
    target.write_text(BAD[name], encoding="utf-8")
    try:
        run = subprocess.run([str(eslint), "--config", str(CONFIG), "--max-warnings", "0", str(target)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    finally:
        target.unlink()
    assert run.returncode == 1, run.stdout + run.stderr


def test_the_extension_and_the_web_page_pass(eslint) -> None:
    run = subprocess.run([str(eslint), "--config", str(CONFIG), "--max-warnings", "0", "examples/browser-extension",
                          "api/static"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_addons_linter_passes_the_extension_and_refuses_a_broken_manifest(eslint, tmp_path) -> None:
    import json
    import shutil

    linter = ESLINT.parent / "addons-linter"
    ext = ROOT / "examples" / "browser-extension"
    ok = subprocess.run([str(linter), "--self-hosted", str(ext)], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout[-3000:]
    broken = tmp_path / "ext"
    shutil.copytree(ext, broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest["permissions"].append("<all_urls>; not a permission")
    del manifest["name"]
    (broken / "manifest.json").write_text(json.dumps(manifest))
    bad = subprocess.run([str(linter), "--self-hosted", str(broken)], capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0, bad.stdout[-3000:]
