"""Load and validate the rule pack (checker/rules/pack/*.yaml).

A bad pack file fails fast with the file, the rule and the field named.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from checker.models import PackInfo
from checker.rules.schema import CUE_KINDS, AssertionCues, CategoryFile, PackMeta, Rule, SourceRef
from checker.rules.pattern_syntax import PatternCompiler, PatternError
from checker.resources import resource_dir

# The pack ships inside the package, as data of checker.rules.
DEFAULT_PACK_DIR = resource_dir("checker.rules", "pack")
META_FILE = "pack.yaml"
ASSERTION_FILE = "assertion.yaml"


class PackError(ValueError):
    """A rule pack file is missing, unreadable or does not fit the schema."""


@dataclass(frozen=True)
class RulePack:
    meta: PackMeta
    categories: dict[str, CategoryFile]
    cues: AssertionCues
    info: PackInfo
    directory: Path
    compiler: PatternCompiler

    @property
    def rules(self) -> list[Rule]:
        return [r for c in self.categories.values() for r in c.rules]

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def category_of(self, rule_id: str) -> CategoryFile:
        return self.categories[rule_id.split(".", 1)[0]]

    def sources_for(self, rule: Rule) -> list[SourceRef]:
        return [self.meta.sources[key] for key in rule.sources]

    def category_for_caution(self, caution: str) -> str:
        return next(name for name, c in self.meta.categories.items() if c.caution == caution)


# libyaml's C loader when PyYAML was built with it: start-up time matters for the CLI.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (safe loader)
    except OSError as exc:
        raise PackError(f"{path}: cannot read rule pack file: {exc.strerror or exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PackError(f"{path}: not valid YAML: {exc}") from exc


def _describe(path: Path, exc: ValidationError, data: object) -> str:
    """Name the file, the rule (by id when we can) and the field of each error."""
    lines = []
    for err in exc.errors()[:10]:
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and isinstance(data, dict):
            try:
                rid = data["rules"][loc[1]].get("id", f"#{loc[1]}")
            except (AttributeError, IndexError, KeyError, TypeError):
                rid = f"#{loc[1]}"
            where = f"rule {rid}, field " + ".".join(str(p) for p in loc[2:])
        lines.append(f"{path.name}: {where}: {err['msg']}")
    return "invalid rule pack:\n  " + "\n  ".join(lines)


def _validate(model, path: Path, data: object):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PackError(_describe(path, exc, data)) from None


def _check_references(path: Path, cat: CategoryFile, meta: PackMeta, compiler: PatternCompiler) -> None:
    if cat.category not in meta.categories:
        raise PackError(f"{path.name}: category {cat.category!r} is not declared in {META_FILE}")
    if meta.categories[cat.category].caution != cat.caution:
        raise PackError(f"{path.name}: caution {cat.caution} differs from {META_FILE}")
    for rule in cat.rules:
        for key in rule.sources:
            if key not in meta.sources:
                raise PackError(f"{path.name}: rule {rule.id}, field sources: unknown source {key!r}")
        fields = {
            "patterns": rule.patterns,
            "exceptions": rule.exceptions,
            "sentence_exceptions": rule.sentence_exceptions,
            "context.requires": rule.context.requires,
            "context.boost": rule.context.boost,
            "context.lower": rule.context.lower,
        }
        for field, patterns in fields.items():
            for pattern in patterns:
                try:
                    compiler.compile(pattern)
                except PatternError as exc:
                    raise PackError(f"{path.name}: rule {rule.id}, field {field}: {exc}") from None


def pack_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_pack(directory: Path | str | None = None) -> RulePack:
    directory = Path(directory) if directory else DEFAULT_PACK_DIR
    if not (directory / META_FILE).is_file():
        raise PackError(f"{directory}: no {META_FILE}; is this a rule pack directory?")
    meta = _validate(PackMeta, directory / META_FILE, _read_yaml(directory / META_FILE))
    cues = _validate(AssertionCues, directory / ASSERTION_FILE, _read_yaml(directory / ASSERTION_FILE))
    categories: dict[str, CategoryFile] = {}
    seen_ids: set[str] = set()
    files: list[tuple[Path, CategoryFile]] = []
    lexicons = dict(meta.lexicons)
    for path in sorted(directory.glob("*.yaml")):
        if path.name in (META_FILE, ASSERTION_FILE):
            continue
        cat = _validate(CategoryFile, path, _read_yaml(path))
        if path.stem != cat.category:
            raise PackError(f"{path.name}: file must be named after its category {cat.category!r}")
        for name, words in cat.lexicons.items():
            if name in lexicons:
                raise PackError(f"{path.name}: lexicon {name!r} is already defined elsewhere in the pack")
            lexicons[name] = words
        files.append((path, cat))
    meta = meta.model_copy(update={"lexicons": lexicons})
    compiler = PatternCompiler(lexicons)
    for path, cat in files:
        _check_references(path, cat, meta, compiler)
        for rule in cat.rules:
            if rule.id in seen_ids:
                raise PackError(f"{path.name}: rule {rule.id}: duplicate rule id")
            seen_ids.add(rule.id)
        categories[cat.category] = cat
    for name, cm in meta.categories.items():
        unknown = [k for k in cm.judge.sources if k not in meta.sources]
        if unknown:
            raise PackError(f"{META_FILE}: category {name}: judge sources not in the catalogue: {unknown}")
    missing = set(meta.categories) - set(categories)
    if missing:
        raise PackError(f"{directory}: categories declared but without a file: {sorted(missing)}")
    info = PackInfo(name=meta.name, version=meta.version, hash=pack_hash(directory))
    for kind in CUE_KINDS:
        for pattern in getattr(cues, kind):
            try:
                compiler.compile(pattern)
            except PatternError as exc:
                raise PackError(f"{ASSERTION_FILE}: field {kind}: {exc}") from None
    return RulePack(meta=meta, categories=categories, cues=cues, info=info, directory=directory, compiler=compiler)


@lru_cache(maxsize=4)
def default_pack() -> RulePack:
    return load_pack(DEFAULT_PACK_DIR)
