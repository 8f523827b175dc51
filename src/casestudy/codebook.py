"""Codebooks: hierarchical codes with lemma patterns, loaded from YAML with errors that name file, line and code.

A codebook is also readable as a quanteda-style dictionary: a nested mapping whose
leaves are lists of patterns. A checklist (e.g. the § 15-1 requirements) is a codebook
whose top-level codes are the requirements, each with an ``assessment`` rule.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import CodebookError

CODE_KEYS = {"id", "label", "description", "origin", "patterns", "exclude", "examples", "regex", "children",
             "negation", "assessment", "headings", "evidence", "weight", "applies_to", "with_context"}
TOP_KEYS = {"name", "language", "version", "description", "codes", "kind", "assessment", "groups", "not_evidence"}
ORIGINS = ("deductive", "inductive")
NEGATION = ("keep", "drop")
KINDS = ("codebook", "checklist")
#: The kinds of document a code can be limited to (``applies_to``).
DOCUMENT_KINDS = ("plan", "interview")
#: The default assessment rule of a checklist requirement (see analyses/plancheck.py for what each
#: number means); a checklist overrides any of them, for all requirements or for one.
DEFAULT_RULE = {
    "met": {"min_kinds": 1},
    "overview_topics": 3,
}
#: The keys of one evidence kind of a checklist requirement (see analyses/plancheck.py).
EVIDENCE_KEYS = {"kind", "label", "needs", "patterns", "unless", "headings", "within"}
#: A code id: a letter (any script's: æ, ø and å are letters), then letters, digits, '_' or '-'; matched whole.
_ID = re.compile(r"[^\W\d_][\w\-]*")
_ID_RULE = "a code id must start with a letter and hold only letters, digits, _ and -"
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,\d*\})")


@dataclass
class Code:
    """One code: what it means, the patterns that find it, and its sub-codes."""

    id: str
    label: str = ""
    description: str = ""
    origin: str = "deductive"
    patterns: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    regex: list[str] = field(default_factory=list)
    negation: str = "keep"
    children: list["Code"] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    line: int | None = None
    #: The kinds of document the code applies to (plan, interview); None: those of its parent (all at the top).
    applies_to: list[str] | None = None
    #: Patterns too weak alone ('utfordring'): a match counts only when one of ``context`` matches in the
    #: same sentence ({"patterns": [...], "context": [...]}, and "kinds": the document kinds where the
    #: context is needed, elsewhere the patterns count alone; empty: none).
    with_context: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        data: dict = {"id": self.id}
        if self.label:
            data["label"] = self.label
        if self.description:
            data["description"] = self.description
        data["origin"] = self.origin
        for key in ("patterns", "exclude", "regex", "examples"):
            value = getattr(self, key)
            if value:
                data[key] = list(value)
        if self.negation != "keep":
            data["negation"] = self.negation
        if self.applies_to is not None:
            data["applies_to"] = list(self.applies_to)
        if self.with_context:
            data["with_context"] = {k: list(v) for k, v in self.with_context.items()}
        data.update(self.extra)
        if self.children:
            data["children"] = [c.to_dict() for c in self.children]
        return data


@dataclass
class Codebook:
    name: str = ""
    codes: list[Code] = field(default_factory=list)
    language: str = "nb"
    version: str | int | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)
    path: Path | None = None

    def flat(self) -> list[Code]:
        """Every code, parents before their children, in file order."""
        out: list[Code] = []

        def walk(codes):
            for code in codes:
                out.append(code)
                walk(code.children)

        walk(self.codes)
        return out

    def __getitem__(self, code_id: str) -> Code:
        for code in self.flat():
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    def __contains__(self, code_id: str) -> bool:
        return any(c.id == code_id for c in self.flat())

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.flat()]

    def parents(self) -> dict[str, str | None]:
        """Map of code id → parent id (None for a top-level code)."""
        result: dict[str, str | None] = {}

        def walk(codes, parent):
            for code in codes:
                result[code.id] = parent
                walk(code.children, code.id)

        walk(self.codes, None)
        return result

    def ancestors(self, code_id: str) -> list[str]:
        parents = self.parents()
        chain = []
        current = parents.get(code_id)
        while current is not None:
            chain.append(current)
            current = parents.get(current)
        return chain

    def applies_to(self) -> dict[str, tuple[str, ...]]:
        """Map of code id → the document kinds it applies to, its own or inherited from its nearest ancestor
        that sets them (every kind when none does)."""
        result: dict[str, tuple[str, ...]] = {}

        def walk(codes, inherited):
            for code in codes:
                kinds = tuple(code.applies_to) if code.applies_to is not None else inherited
                result[code.id] = kinds
                walk(code.children, kinds)

        walk(self.codes, DOCUMENT_KINDS)
        return result

    def paths(self) -> dict[str, str]:
        """Map of code id → dotted path ('prevention_level.universal'), as a quanteda dictionary flattens."""
        parents = self.parents()
        result = {}
        for code_id in parents:
            chain = [code_id] + self.ancestors(code_id)
            result[code_id] = ".".join(reversed(chain))
        return result

    def to_dict(self) -> dict:
        data: dict = {"name": self.name, "language": self.language}
        if self.version is not None:
            data["version"] = self.version
        if self.description:
            data["description"] = self.description
        data.update(self.extra)
        data["codes"] = [c.to_dict() for c in self.codes]
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)

    def save(self, path: str | Path) -> Path:
        """Write the codebook as YAML (atomically); never silently overwrites the file it was loaded from."""
        from .atomic import atomic_path

        with atomic_path(path) as tmp:
            tmp.write_text(self.to_yaml(), encoding="utf-8")
        return Path(path)

    @property
    def sha256(self) -> str:
        """A hash of the codebook's content (of :meth:`to_dict` as JSON, which is quicker to make than YAML)."""
        content = json.dumps(self.to_dict(), ensure_ascii=False, default=str)
        return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()


class _LineLoader(yaml.SafeLoader):
    """Safe YAML loader that records the line of every mapping under the key '__line__'."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _compose_node(self, parent, index):
    """Refuse aliases: a codebook never needs them, and nested aliases blow up to exponential size."""
    if self.check_event(yaml.events.AliasEvent):
        event = self.peek_event()
        raise yaml.composer.ComposerError(None, None, f"alias *{event.anchor} is not allowed", event.start_mark)
    return yaml.SafeLoader.compose_node(self, parent, index)


_LineLoader.compose_node = _compose_node


def parse_yaml(text: str, path=None):
    """Parse YAML safely; syntax errors, tabs, aliases and object tags become CodebookError with the line."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(str(exc.problem or exc).split())
        if "could not determine a constructor" in problem:
            tag = problem.split("for the tag")[-1].strip().strip("'")
            problem = f"YAML tags that construct objects are not allowed ({tag})"
        elif "alias" in problem and "not allowed" in problem:
            problem = f"YAML aliases are not allowed ({problem.split()[1]}): write the value out in full"
        elif "\\t" in problem or "tab" in problem.lower():
            problem = "tab character: indent YAML with spaces"
        near = _code_before(text, line)
        if near:
            problem += f" (in or just after code '{near}')"
        raise CodebookError(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        character = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
        raise CodebookError(f"invalid YAML: character U+{character:04X} is not allowed in YAML; remove it",
                            path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise CodebookError(f"invalid YAML: {' '.join(str(exc).split())}", path=path) from None
    except RecursionError:
        raise CodebookError("invalid YAML: nested too deeply", path=path) from None


_ID_LINE = re.compile(r"^\s*(?:-\s+)?id\s*:\s*['\"]?([^\W\d_][\w\-]*)")


def _code_before(text: str, line: int | None) -> str | None:
    """The id of the last code that starts before ``line``: where a YAML syntax error most likely is."""
    if not line:
        return None
    for previous in reversed(text.splitlines()[: line - 1]):
        match = _ID_LINE.match(previous)
        if match:
            return match.group(1)
    return None


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a codebook or checklist YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodebookError("file not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError(f"cannot read as UTF-8 text ({exc.__class__.__name__})", path=path) from None
    data = parse_yaml(text, path)
    try:
        codebook = codebook_from_data(data, path)
    except RecursionError:
        raise CodebookError("codes are nested too deeply", path=path) from None
    codebook.path = path
    return codebook


def codebook_from_data(data, path=None) -> Codebook:
    """Build a Codebook from parsed YAML: the codebook format, or a quanteda-style nested dictionary."""
    if not isinstance(data, dict):
        raise CodebookError("a codebook must be a YAML mapping with a 'codes' list", path=path, line=1)
    if "codes" not in data:
        return _from_dictionary(data, path)
    line = data.get("__line__")
    unknown = sorted(repr(k) if not isinstance(k, str) or not k.isprintable() else k
                     for k in set(data) - TOP_KEYS - {"__line__"})
    if unknown:
        raise CodebookError(f"unknown key(s) {', '.join(unknown)} at the top level (allowed: "
                            f"{', '.join(sorted(TOP_KEYS))})", path=path, line=line)
    if not isinstance(data["codes"], list) or not data["codes"]:
        raise CodebookError("'codes' must be a non-empty list of codes", path=path, line=line)
    kind = data.get("kind", "codebook")
    if kind not in KINDS:
        raise CodebookError(f"kind must be 'codebook' or 'checklist', not {kind!r}", path=path, line=line)
    if "assessment" in data:
        _check_assessment(data["assessment"], path, line, None)
    groups = _groups(data.get("groups"), path, line)
    if "not_evidence" in data:
        for pattern in _string_list(data, "not_evidence", path, None, line):
            _check_pattern(pattern, path, line, None)
    seen: dict[str, int | None] = {}
    codes = [_code(item, path, seen, line) for item in data["codes"]]
    for code in codes:
        _check_evidence(code.extra.get("evidence"), groups, path, code)
    extra = {k: _strip_lines(v) for k, v in data.items() if k in ("kind", "assessment", "groups", "not_evidence")}
    return Codebook(
        name=str(data.get("name") or (Path(path).stem if path else "codebook")), codes=codes,
        language=str(data.get("language") or "nb"), version=data.get("version"),
        description=str(data.get("description") or ""), extra=extra,
    )


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _string_list(item: dict, key: str, path, code_id, line) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise CodebookError(f"'{key}' must be a list of strings", path=path, line=line, code=code_id)
    return [str(v) for v in value]


def _code(item, path, seen: dict, parent_line) -> Code:
    if not isinstance(item, dict):
        raise CodebookError("each code must be a mapping with at least 'id' and 'patterns'", path=path,
                            line=parent_line)
    line = item.get("__line__")
    code_id = item.get("id")
    if not isinstance(code_id, str) or not _ID.fullmatch(code_id):
        raise CodebookError(f"{_ID_RULE} (got {code_id!r})", path=path,
                            line=line)
    if code_id in seen:
        raise CodebookError(f"duplicate code id (first defined on line {seen[code_id]})", path=path, line=line,
                            code=code_id)
    seen[code_id] = line
    unknown = sorted(repr(k) if not isinstance(k, str) or not k.isprintable() else k
                     for k in set(item) - CODE_KEYS - {"__line__"})
    if unknown:
        raise CodebookError(f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(CODE_KEYS))})",
                            path=path, line=line, code=code_id)
    origin = item.get("origin", "deductive")
    if origin not in ORIGINS:
        raise CodebookError(f"origin must be 'deductive' or 'inductive', not {origin!r}", path=path, line=line,
                            code=code_id)
    negation = item.get("negation", "keep")
    if negation not in NEGATION:
        raise CodebookError(f"negation must be 'keep' or 'drop', not {negation!r}", path=path, line=line,
                            code=code_id)
    patterns = _string_list(item, "patterns", path, code_id, line)
    exclude = _string_list(item, "exclude", path, code_id, line)
    regex = _string_list(item, "regex", path, code_id, line)
    for pattern in patterns + exclude:
        _check_pattern(pattern, path, line, code_id)
    for expression in regex:
        _check_regex(expression, path, line, code_id)
    applies_to = item.get("applies_to")
    if applies_to is not None:
        applies_to = [applies_to] if isinstance(applies_to, str) else applies_to
        if not isinstance(applies_to, list) or not applies_to or not all(k in DOCUMENT_KINDS for k in applies_to):
            raise CodebookError(f"'applies_to' must list document kinds ({', '.join(DOCUMENT_KINDS)}), not "
                                f"{item.get('applies_to')!r}", path=path, line=line, code=code_id)
    with_context = item.get("with_context") or {}
    if with_context:
        if not isinstance(with_context, dict) or set(with_context) - {"patterns", "context", "kinds", "__line__"}:
            raise CodebookError("'with_context' must be a mapping with 'patterns' and 'context' (lists of patterns) "
                                "and optionally 'kinds' (where the context is needed)", path=path, line=line,
                                code=code_id)
        kinds = with_context.get("kinds")
        if kinds is not None and (not isinstance(kinds, list) or not all(k in DOCUMENT_KINDS for k in kinds)):
            raise CodebookError(f"'with_context: kinds' must list document kinds ({', '.join(DOCUMENT_KINDS)})",
                                path=path, line=line, code=code_id)
        with_context = {key: _string_list(with_context, key, path, code_id, line) for key in ("patterns", "context")
                        } | ({"kinds": list(kinds)} if kinds else {})
        if not with_context["patterns"] or not with_context["context"]:
            raise CodebookError("'with_context' needs both 'patterns' and 'context'", path=path, line=line,
                                code=code_id)
        for pattern in with_context["patterns"] + with_context["context"]:
            _check_pattern(pattern, path, line, code_id)
    children_data = item.get("children") or []
    if not isinstance(children_data, list):
        raise CodebookError("'children' must be a list of codes", path=path, line=line, code=code_id)
    children = [_code(child, path, seen, line) for child in children_data]
    if not patterns and not regex and not children and not with_context:
        raise CodebookError("code has no patterns (give 'patterns', 'regex' or 'children')", path=path, line=line,
                            code=code_id)
    for pattern in _string_list(item, "headings", path, code_id, line):
        _check_pattern(pattern, path, line, code_id)
    if "weight" in item and not _is_number(item["weight"]):
        raise CodebookError(f"'weight' must be a number, not {item['weight']!r}", path=path, line=line, code=code_id)
    if "assessment" in item:
        _check_assessment(item["assessment"], path, line, code_id)
    extra = {k: _strip_lines(item[k]) for k in ("assessment", "headings", "evidence", "weight") if k in item}
    if "headings" in extra:
        extra["headings"] = _string_list(item, "headings", path, code_id, line)
    return Code(
        id=code_id, label=str(item.get("label") or ""), description=str(item.get("description") or "").strip(),
        origin=origin, patterns=patterns, exclude=exclude, examples=_string_list(item, "examples", path, code_id, line),
        regex=regex, negation=negation, children=children, extra=extra, line=line, applies_to=applies_to,
        with_context=with_context,
    )


def _check_pattern(pattern: str, path, line, code_id) -> None:
    if not pattern.strip():
        raise CodebookError("empty pattern", path=path, line=line, code=code_id)
    for term in pattern.split():
        scripts = {unicodedata.name(c, "?").split()[0] for c in term if c.isalpha()}
        if len(scripts) > 1:  # a Cyrillic 'а' in a Latin word looks right and never matches
            raise CodebookError(f"pattern {pattern!r} mixes letters of several scripts ({', '.join(sorted(scripts))}) "
                                "in one word; retype it", path=path, line=line, code=code_id)
        if not term.strip("*?"):
            raise CodebookError(f"pattern {pattern!r} has a glob that matches every word", path=path, line=line,
                                code=code_id)


def _groups(value, path, line) -> dict[str, list[str]]:
    """A checklist's named pattern groups (``groups: {name: [patterns]}``), checked."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CodebookError("'groups' must be a mapping of group names to lists of patterns", path=path, line=line)
    groups = {}
    for name in value:
        if name == "__line__":
            continue
        patterns = _string_list(value, name, path, None, value.get("__line__", line))
        for pattern in patterns:
            _check_pattern(pattern, path, line, None)
        groups[str(name)] = patterns
    return groups


def _check_evidence(kinds, groups: dict, path, code: Code) -> None:
    """A requirement's evidence kinds: each a mapping with a kind id, and groups it needs (known group →
    a count of at least 1), patterns of its own, or headings."""
    if kinds is None:
        return
    if not isinstance(kinds, list):
        raise CodebookError("'evidence' must be a list of evidence kinds", path=path, line=code.line, code=code.id)
    seen = set()
    for kind in kinds:
        if not isinstance(kind, dict) or not isinstance(kind.get("kind"), str) or not _ID.fullmatch(kind["kind"]):
            raise CodebookError(f"each evidence kind needs 'kind' (an id: {_ID_RULE})", path=path, line=code.line,
                                code=code.id)
        name = kind["kind"]
        unknown = sorted(str(k) for k in set(kind) - EVIDENCE_KEYS)
        if unknown:
            raise CodebookError(f"evidence kind {name!r}: unknown key(s) {', '.join(unknown)} (allowed: "
                                f"{', '.join(sorted(EVIDENCE_KEYS))})", path=path, line=code.line, code=code.id)
        if name in seen:
            raise CodebookError(f"evidence kind {name!r} is declared twice", path=path, line=code.line, code=code.id)
        seen.add(name)
        needs = kind.get("needs") or {}
        if not isinstance(needs, dict):
            raise CodebookError(f"evidence kind {name!r}: 'needs' must map group names to counts", path=path,
                                line=code.line, code=code.id)
        for group, count in needs.items():
            if group not in groups:
                raise CodebookError(f"evidence kind {name!r} needs group {group!r}, which 'groups' does not define "
                                    f"(defined: {', '.join(groups) or 'none'})", path=path, line=code.line,
                                    code=code.id)
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise CodebookError(f"evidence kind {name!r}: the count for group {group!r} must be a whole number "
                                    f"of at least 1, not {count!r}", path=path, line=code.line, code=code.id)
        for key in ("patterns", "unless", "headings"):
            for pattern in _string_list(kind, key, path, code.id, code.line):
                _check_pattern(pattern, path, code.line, code.id)
        if kind.get("within", "sentence") not in ("sentence", "paragraph"):
            raise CodebookError(f"evidence kind {name!r}: 'within' must be 'sentence' or 'paragraph', not "
                                f"{kind['within']!r}", path=path, line=code.line, code=code.id)
        if not needs and not kind.get("patterns") and not kind.get("headings"):
            raise CodebookError(f"evidence kind {name!r} finds nothing: give 'needs', 'patterns' or 'headings'",
                                path=path, line=code.line, code=code.id)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_assessment(value, path, line, code_id) -> None:
    """A checklist's assessment rule: known keys (see DEFAULT_RULE) with numbers as values."""
    where = value.get("__line__", line) if isinstance(value, dict) else line
    if not isinstance(value, dict):
        raise CodebookError(f"'assessment' must be a mapping of rule names to numbers, not {value!r}", path=path,
                            line=where, code=code_id)
    for key, setting in value.items():
        if key == "__line__":
            continue
        if key not in DEFAULT_RULE:
            raise CodebookError(f"unknown assessment key {key!r} (known: {', '.join(DEFAULT_RULE)})", path=path,
                                line=where, code=code_id)
        default = DEFAULT_RULE[key]
        if isinstance(default, dict):
            if not isinstance(setting, dict):
                raise CodebookError(f"assessment '{key}' must be a mapping such as {default}, not {setting!r}",
                                    path=path, line=where, code=code_id)
            for sub, number in setting.items():
                if sub == "__line__":
                    continue
                if sub not in default:
                    raise CodebookError(f"unknown key {sub!r} in assessment '{key}' (known: {', '.join(default)})",
                                        path=path, line=where, code=code_id)
                if not _is_number(number):
                    raise CodebookError(f"assessment '{key}.{sub}' must be a number, not {number!r}", path=path,
                                        line=where, code=code_id)
        elif not _is_number(setting):
            raise CodebookError(f"assessment '{key}' must be a number, not {setting!r}", path=path, line=where,
                                code=code_id)


#: Time one codebook regex may take on one passage in a run; validation refuses a regex that takes
#: PROBE_SECONDS on a short probe text, so a run meets this only with a regex of a new kind of slowness.
REGEX_SECONDS = 2.0
PROBE_SECONDS = 0.25


def compile_regex(expression: str):
    """A codebook regex as it is matched: case-insensitive, by the ``regex`` engine, whose matching can be
    stopped after a timeout (``re``'s cannot: a backtracking pattern hung the run). Its syntax and
    Unicode classes are ``re``'s (VERSION0)."""
    import regex

    return regex.compile(expression, regex.IGNORECASE | regex.VERSION0)


def _check_regex(expression: str, path, line, code_id) -> None:
    try:
        re.compile(expression)
        compiled = compile_regex(expression)
    except Exception as exc:  # re.error, regex.error, OverflowError, RecursionError
        raise CodebookError(f"regex {expression!r} does not compile ({exc})", path=path, line=line,
                            code=code_id) from None
    problem = _catastrophic(expression)
    if problem:
        raise CodebookError(f"regex {expression!r} {problem} that can take exponential time; {_REWRITE[problem]}",
                            path=path, line=line, code=code_id)
    slow = _slow_probe(expression, compiled)
    if slow:
        raise CodebookError(f"regex {expression!r} takes over {PROBE_SECONDS:g} s on a text of {slow} (it "
                            "backtracks); make its alternatives exclusive (e.g. [\\s\\S] for (.|\\s)) and do not "
                            "repeat a repeat", path=path, line=line, code=code_id)


def _slow_probe(expression: str, compiled) -> str | None:
    """A description of a short text on which the regex takes longer than PROBE_SECONDS, or None.

    The probes are the regex's own words followed by one character repeated (30 times: exponential
    backtracking; 1,000 times: a cubic one), the characters those of the regex and a few of each
    class; a linear regex answers each in microseconds."""
    words = list(dict.fromkeys(re.findall(r"[^\W\d_]{2,}", expression)))[:4]
    pool = list(dict.fromkeys(" a0\t\n.-_å" + "".join(ch for ch in expression if ch.isprintable())))[:40]
    for prefix in [""] + words:
        for char in pool:
            for count in (30, 1000):
                try:
                    compiled.search(prefix + char * count, timeout=PROBE_SECONDS)
                except TimeoutError:
                    return f"{len(prefix) + count} characters ({prefix!r} and {count} × {char!r})"
    return None


_REWRITE = {
    "has a nested quantifier": "rewrite it without repeating a repeated group",
    "has overlapping alternatives in a repeat": "make the alternatives exclusive",
}


def _catastrophic(expression: str) -> str | None:
    """Why a regex can backtrack exponentially (or with a huge polynomial), or None.

    Refused: a repeated group that holds another repeat (``(a+)+``, ``(\\w+\\s?)*``), an unbounded
    repeat inside a group repeated ten times or more (``(.*a){20}``), and repeated literal
    alternatives where one can be spelled with the others (``(a|a)*``, ``(a|aa)+``). Atomic groups
    and possessive quantifiers do not backtrack and are allowed.
    """
    try:
        try:
            from re import _constants as c, _parser as parser  # Python 3.11+
        except ImportError:  # pragma: no cover
            import sre_constants as c
            import sre_parse as parser
        tree = parser.parse(expression)
    except Exception:  # the private parser changed: fall back to a textual check
        return "has a nested quantifier" if _NESTED_QUANTIFIER.search(expression) else None
    repeats = {c.MAX_REPEAT, c.MIN_REPEAT}
    unbounded = c.MAXREPEAT

    def language(items, cap=64):
        """The strings a group of literals and alternatives matches (with repeats), or None."""
        out = [""]
        for op, av in items:
            if op is c.LITERAL:
                parts = [chr(av)]
            elif op is c.SUBPATTERN:
                parts = language(av[-1], cap)
            elif op in repeats and av[:2] == (0, 1):  # optional: 'a?' is '' or 'a'
                inner = language(av[2], cap)
                parts = None if inner is None else [""] + inner
            elif op is c.BRANCH:
                alternatives = [language(alt, cap) for alt in av[1]]
                parts = None if any(a is None for a in alternatives) else [x for a in alternatives for x in a]
            else:
                return None
            if parts is None:
                return None
            out = [w + x for w in out for x in parts]
            if len(out) > cap:
                return None
        return out

    def spelled(word, parts):
        """Whether ``word`` is a concatenation of two or more of ``parts``."""
        return bool(word) and any(word.startswith(p) and (word[len(p):] in parts or spelled(word[len(p):], parts))
                                  for p in parts if p and p != word)

    def walk(items, outer):
        for op, av in items:
            if op in repeats:
                low, high, sub = av
                if high > 1:
                    if outer == "unbounded" or (outer == "large" and high == unbounded):
                        return "has a nested quantifier"
                    words = language(sub) if high == unbounded or high >= 10 else None
                    if words and len(words) > 1 and (
                            len(set(words)) < len(words) or any(spelled(w, set(words) - {w}) for w in words)):
                        return "has overlapping alternatives in a repeat"
                    level = "unbounded" if high == unbounded else "large" if high >= 10 else outer
                    found = walk(sub, level)
                else:
                    found = walk(sub, outer)
            elif op is c.SUBPATTERN:
                found = walk(av[-1], outer)
            elif op is c.BRANCH:
                found = next((f for f in (walk(alt, outer) for alt in av[1]) if f), None)
            elif op in (c.ASSERT, c.ASSERT_NOT):
                found = walk(av[1], outer)
            else:  # literals, classes, atomic groups and possessive repeats (no backtracking)
                found = None
            if found:
                return found
        return None

    try:
        return walk(list(tree), None)
    except RecursionError:
        return "has a nested quantifier"


def _from_dictionary(data: dict, path) -> Codebook:
    """A quanteda-style dictionary: keys are codes, lists of strings are patterns, mappings nest."""
    seen: dict[str, int | None] = {}

    def build(key, value, line):
        if not isinstance(key, str) or not _ID.fullmatch(key):
            raise CodebookError(f"{_ID_RULE} (got {key!r})", path=path,
                                line=line)
        if key in seen:
            raise CodebookError("duplicate code id", path=path, line=line, code=key)
        seen[key] = line
        if isinstance(value, list):
            if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
                raise CodebookError("a dictionary entry must be a list of patterns (strings)", path=path, line=line,
                                    code=str(key))
            items = [str(v) for v in value]
            for pattern in items:
                _check_pattern(pattern, path, line, key)
            if not items:
                raise CodebookError("code has no patterns", path=path, line=line, code=key)
            return Code(id=str(key), label=str(key), patterns=items, line=line)
        if isinstance(value, dict):
            sub_line = value.get("__line__", line)
            children = [build(k, v, sub_line) for k, v in value.items() if k != "__line__"]
            if not children:
                raise CodebookError("code has no patterns", path=path, line=sub_line, code=str(key))
            return Code(id=str(key), label=str(key), children=children, line=sub_line)
        if isinstance(value, str):
            return build(key, [value], line)
        raise CodebookError("a dictionary entry must be a list of patterns or a mapping", path=path, line=line,
                            code=str(key))

    line = data.get("__line__", 1)
    codes = [build(k, v, line) for k, v in data.items() if k != "__line__"]
    if not codes:
        raise CodebookError("empty dictionary", path=path, line=1)
    return Codebook(name=Path(path).stem if path else "dictionary", codes=codes)


#: Where the shipped codebooks live in a source checkout (the supported way to install casestudy).
SHIPPED_CODEBOOKS = Path(__file__).resolve().parents[2] / "codebooks"
DEFAULT_CODEBOOK = "barnevern"


def shipped_exists(name: str) -> bool:
    """Whether a shipped codebook of this name exists (in ./codebooks or the checkout's codebooks/)."""
    return (Path("codebooks") / f"{name}.yaml").exists() or (SHIPPED_CODEBOOKS / f"{name}.yaml").exists()


def resolve_codebook(name_or_path: str | Path) -> Path:
    """A codebook path: an existing file, or the name of a shipped codebook ('barnevern', 'krav_15-1')."""
    path = Path(name_or_path)
    if path.exists():
        return path
    for candidate in (Path("codebooks") / f"{name_or_path}.yaml", SHIPPED_CODEBOOKS / f"{name_or_path}.yaml"):
        if candidate.exists():
            return candidate
    raise CodebookError(f"codebook not found (give a YAML file, or a shipped name such as '{DEFAULT_CODEBOOK}')",
                        path=name_or_path)


def find_codebook(name_or_path: str | Path) -> Codebook:
    """Load a codebook from a file or by the name of a shipped one (see :func:`resolve_codebook`)."""
    return load_codebook(resolve_codebook(name_or_path))


_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "þ": "th", "ð": "d", "ł": "l", "đ": "d"})


def slug_id(name: str) -> str:
    """A code id made from a name (a code imported from a QDA program, a candidate from ``discover``):
    lower-case ASCII (æ→ae, ø→oe, å→aa), other characters → '_', 'code_' before a leading digit, so
    the id is the same on every system and valid by the rule ``validate`` checks."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_ASCII))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z0-9]+", "_", text.encode("ascii", "ignore").decode()).strip("_")
    if not text:
        return "code"
    return text if text[0].isalpha() else f"code_{text}"
