"""The package as a user installs it: `python -m build` makes an sdist and a wheel (the
wheel built from the sdist, so both must be complete), the wheel goes into a fresh virtual
environment outside the source tree, and the CLI and the API run from there with the rule
pack, judge model and web page the wheel carries.

Installing the wheel's dependencies needs the package index (about a minute with pip's
cache warm from `make test`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import httpx
import pytest
from serving import free_port, stop, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
# What the build reads; anything else the installed package needs would be missing.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "checker", "api")
DATA_FILES = ("checker/rules/pack/pack.yaml", "checker/rules/pack/cure-claim.yaml",
              "checker/judge_model/judge.json", "checker/judge_model/encoder.onnx", "api/static/index.html",
              "api/openapi_examples.json")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    dist = base / "dist"
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)], cwd=base)
    wheel = next(dist.glob("stemcheck-*.whl"))
    sdist = next(dist.glob("stemcheck-*.tar.gz"))
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], cwd=base)
    work = base / "elsewhere"  # cwd with no source tree in sight
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["STEMCHECK_CACHE_DIR"] = str(base / "cache")
    return {"wheel": wheel, "sdist": sdist, "bin": bin_dir, "cwd": work, "env": env}


def run(cmd: list[str], cwd: Path, env: dict | None = None, stdin: str | None = None,
        ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=600)
    assert proc.returncode in ok, f"{cmd[:3]} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


def test_wheel_and_sdist_carry_the_data(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    assert set(DATA_FILES) <= names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    with tarfile.open(installed["sdist"]) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    assert set(DATA_FILES) <= members


def test_installed_package_is_not_the_source_tree(installed):
    where = run([str(installed["bin"] / "python"), "-c", "import checker, api; print(checker.__file__, api.__file__)"],
                cwd=installed["cwd"], env=installed["env"]).stdout
    assert str(ROOT) not in where and "site-packages" in where


def test_check_from_stdin(installed):
    proc = run([str(installed["bin"] / "stemcheck"), "check", "-"], cwd=installed["cwd"], env=installed["env"],
               stdin="Our stem cells cure MS.\n", ok=(1,))
    assert "cure-claim" in proc.stdout


def _report(stemcheck: list[str], page: str, cwd: Path, env: dict | None) -> dict:
    out = json.loads(run([*stemcheck, "check", page, "--format", "json"], cwd=cwd, env=env, ok=(1,)).stdout)
    return out["results"][0]["report"]


def test_same_report_as_the_editable_install(installed):
    page = str(ROOT / "examples" / "clinic-page.txt")
    from_wheel = _report([str(installed["bin"] / "stemcheck")], page, installed["cwd"], installed["env"])
    here = _report([sys.executable, "-m", "checker.cli"], page, ROOT, None)  # the source tree's code
    assert from_wheel["findings"] and from_wheel == here


def test_rules_lists_the_pack(installed):
    out = run([str(installed["bin"] / "stemcheck"), "rules"], cwd=installed["cwd"], env=installed["env"]).stdout
    assert "stemcheck-core" in out and "cure-claim.cures-disease" in out


def test_api_serves_health_and_page(installed):
    port = free_port()
    proc = subprocess.Popen([str(installed["bin"] / "python"), "-m", "api", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1"], cwd=installed["cwd"], env=installed["env"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, port, 90)
        page = httpx.get(base + "/", timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert httpx.get(base + "/static/app.js", timeout=10).status_code == 200
        checked = httpx.post(base + "/v1/check", json={"text": "Our stem cells cure MS."}, timeout=60)
        assert checked.status_code == 200 and checked.json()["findings"]
    finally:
        stop(proc)
