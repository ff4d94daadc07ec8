"""Safe YAML loading that remembers where every value came from, and pydantic errors mapped back to lines.

Every spec surveymod reads (questionnaires, weighting specs, indicator specs) goes through here so that a mistake
is reported as ``file:line:column path: message``. YAML 1.1 booleans such as ``no``/``yes``/``on`` stay strings
(country code NO for Norway must not become False); duplicate keys are errors instead of silent overrides.
Hostile files are refused with their location rather than crashing or exhausting memory: tags other than YAML's
own, NUL and other non-printable characters, nesting deeper than ``MAX_DEPTH``, alias expansion ("billion laughs")
beyond ``MAX_VALUES`` values, and files larger than ``MAX_BYTES``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .atomic import note_input
from .errors import Location, Problem, SurveyError

Positions = dict[str, tuple[int, int]]
M = TypeVar("M", bound=BaseModel)

MAX_BYTES = 16 * 1024 * 1024
"""Largest YAML file read (questionnaires and specs are far smaller)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""
MAX_VALUES = 500_000
"""Most values a document may expand to, aliases counted each time they are used."""


class SafeLoader12(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans only (true/false) and a bounded nesting depth."""

    def __init__(self, stream: Any) -> None:
        self._depth = 0
        super().__init__(stream)

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - pyyaml hook
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"values are nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


SafeLoader12.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SafeLoader12.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# YAML 1.2 numbers: no sexagesimal (1:30 is the text "1:30", not 90), no 0b binary, no underscores; a plain
# number with a leading zero (011: octal 9 in YAML 1.1, 11 in YAML 1.2) is refused where it is (``_ambiguous``)
SafeLoader12.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for k, v in SafeLoader12.yaml_implicit_resolvers.items()
}
SafeLoader12.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
SafeLoader12.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))
_AMBIGUOUS = re.compile(r"^[-+]?0[0-9_]+$")


def _ambiguous(node: yaml.Node, file: str, path: str) -> None:
    """A plain scalar YAML 1.1 and 1.2 read as different numbers (``011``) is a located error."""
    if isinstance(node, yaml.ScalarNode) and node.style is None and _AMBIGUOUS.match(node.value):
        plain = node.value.lstrip("+-").lstrip("0_") or "0"
        raise SurveyError(Problem(
            f"'{node.value}' has a leading zero: YAML 1.1 reads it as the octal number "
            f"{int(node.value.replace('_', ''), 8) if set(node.value) <= set('+-01234567_') else '?'}, YAML 1.2 as "
            f"{plain}; write {plain}, or quote it ('{node.value}') if the zero belongs to a text",
            "yaml-ambiguous-number", location=Location(file, node.start_mark.line + 1, node.start_mark.column + 1,
                                                       path or None)))


def join_path(base: str, key: str | int) -> str:
    """``sections[0]`` + ``items`` → ``sections[0].items``; ints become indexes."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else str(key)


class _Budget:
    """Counts the values built so far, so that alias expansion cannot exhaust memory."""

    def __init__(self, file: str) -> None:
        self.left = MAX_VALUES
        self.file = file
        self.open: set[int] = set()  # collections being built: an alias to one of them is a cycle

    def take(self, node: yaml.Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise SurveyError(Problem(
                f"the document expands to more than {MAX_VALUES:,} values (aliases used over and over?)",
                "yaml-too-large", location=Location(self.file, node.start_mark.line + 1,
                                                    node.start_mark.column + 1)))


NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
"""The characters YAML refuses in a file: C0 controls but tab, line feed and carriage return, DEL, C1 controls but
NEL, surrogates and U+FFFE/U+FFFF; the same are refused when a double-quoted escape makes them."""


def _construct(loader: SafeLoader12, node: yaml.Node, file: str, path: str) -> Any:
    """A scalar's value; an unknown tag (``!foo``, ``!!python/name:``) is a located error."""
    _ambiguous(node, file, path)
    try:
        value = loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        what = getattr(exc, "problem", None) or str(exc)
        raise SurveyError(Problem(f"not allowed here: {what}", "yaml-tag", location=Location(
            file, node.start_mark.line + 1, node.start_mark.column + 1, path or None))) from None
    bad = NON_PRINTABLE.search(value) if isinstance(value, str) else None
    if bad:  # an escape ("\x01", "\e") makes a character the YAML reader refuses in the file itself
        raise SurveyError(Problem(f"the text holds the control character U+{ord(bad.group()):04X} (written as an "
                                  "escape); labels, titles and names cannot hold control characters",
                                  "yaml-control-character", location=Location(
                                      file, node.start_mark.line + 1, node.start_mark.column + 1, path or None)))
    return value


def _convert(node: yaml.Node, path: str, pos: Positions, file: str, problems: list[Problem],
             loader: SafeLoader12, budget: _Budget) -> Any:
    budget.take(node)
    pos[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag.startswith("!") or (isinstance(node, yaml.CollectionNode) and node.tag not in (
            "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap")):
        raise SurveyError(Problem(f"the tag '{node.tag}' is not allowed (only plain YAML values)", "yaml-tag",
                                  location=Location(file, node.start_mark.line + 1, node.start_mark.column + 1,
                                                    path or None)))
    if isinstance(node, yaml.CollectionNode):
        if id(node) in budget.open:
            raise SurveyError(Problem("an alias refers to a value that contains it (a cycle)", "yaml-syntax",
                                      location=Location(file, node.start_mark.line + 1, node.start_mark.column + 1,
                                                        path or None)))
        budget.open.add(id(node))
        try:
            return _convert_collection(node, path, pos, file, problems, loader, budget)
        finally:
            budget.open.discard(id(node))
    return _construct(loader, node, file, path)


def _convert_collection(node: yaml.Node, path: str, pos: Positions, file: str, problems: list[Problem],
                        loader: SafeLoader12, budget: _Budget) -> Any:
    if isinstance(node, yaml.MappingNode):
        try:
            loader.flatten_mapping(node)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or node.start_mark
            raise SurveyError(Problem(f"YAML error: {getattr(exc, 'problem', exc)}", "yaml-syntax",
                                      location=Location(file, mark.line + 1, mark.column + 1, path or None))) from None
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            budget.take(knode)
            key = _construct(loader, knode, file, path)
            if isinstance(key, list | dict):
                problems.append(Problem("a mapping key must be a plain value", "yaml-key",
                                        location=Location(file, knode.start_mark.line + 1,
                                                          knode.start_mark.column + 1, path)))
                continue
            sub = join_path(path, str(key))
            if key in out:
                problems.append(Problem(f"duplicate key '{key}' (YAML would silently keep only the last one)",
                                        "yaml-duplicate-key",
                                        location=Location(file, knode.start_mark.line + 1,
                                                          knode.start_mark.column + 1, sub)))
            out[key] = _convert(vnode, sub, pos, file, problems, loader, budget)
            pos.setdefault(sub, (knode.start_mark.line + 1, knode.start_mark.column + 1))
            pos[sub] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, join_path(path, i), pos, file, problems, loader, budget)
                for i, v in enumerate(node.value)]
    raise AssertionError(f"unexpected YAML node {type(node).__name__}")


def load_yaml_text(text: str, file: str = "<string>") -> tuple[Any, Positions]:
    """Parse YAML text safely; return (data, positions) or raise SurveyError with the line of the syntax error."""
    if len(text) > MAX_BYTES:
        raise SurveyError(Problem(f"the file is larger than {MAX_BYTES // 2**20} MiB; is it really YAML?",
                                  "yaml-too-large", location=Location(file)))
    loader: SafeLoader12 | None = None
    try:
        loader = SafeLoader12(text)  # the reader refuses NUL and other non-printable characters here
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            msg += f" ({exc.context}"
            if exc.context_mark and exc.context_mark is not mark:
                msg += f" started at line {exc.context_mark.line + 1}"
            msg += ")"
        raise SurveyError(Problem(msg, "yaml-syntax", location=Location(
            file, mark.line + 1 if mark else None, mark.column + 1 if mark else None))) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise SurveyError(Problem(f"the file contains a character YAML does not allow (code {exc.character!r}); "
                                  "is it a text file?", "yaml-syntax", location=Location(file, line, col))) from None
    except yaml.YAMLError as exc:
        raise SurveyError(Problem(f"YAML error: {exc}", "yaml-syntax", location=Location(file))) from None
    except RecursionError:
        raise SurveyError(Problem("values are nested too deeply", "yaml-syntax", location=Location(file))) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise SurveyError(Problem("the file is empty", "yaml-empty", location=Location(file, 1, 1)))
    pos: Positions = {}
    problems: list[Problem] = []
    data = _convert(root, "", pos, file, problems, SafeLoader12(""), _Budget(file))
    if problems:
        raise SurveyError(problems)
    return data, pos


def read_yaml_text(path: str | Path) -> str:
    """The text of a YAML file (UTF-8, BOM tolerated); too large, not UTF-8 or not a file is a located error."""
    from .limits import read_capped

    try:
        raw = read_capped(path, MAX_BYTES, "YAML file")
        note_input(Path(path))
    except (FileNotFoundError, IsADirectoryError, PermissionError, NotADirectoryError) as exc:
        raise SurveyError(Problem(f"cannot read the file: {exc.strerror}", "file-not-found",
                                  location=Location(str(path)))) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SurveyError(Problem(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})", "encoding",
                                  location=Location(str(path), line))) from None


def load_yaml(path: str | Path) -> tuple[Any, Positions]:
    """Read and parse a YAML file (UTF-8, BOM tolerated)."""
    return load_yaml_text(read_yaml_text(path), str(path))


def locate(positions: Positions, path: str) -> tuple[int | None, int | None]:
    """Line and column of *path* or of its nearest known parent."""
    p = path
    while True:
        if p in positions:
            return positions[p]
        if not p:
            return None, None
        cut = max(p.rfind("."), p.rfind("["))
        p = p[:cut] if cut > 0 else ""


def _loc_path(loc: tuple[Any, ...], data: Any) -> str:
    """Turn a pydantic error location into a data path, skipping union/tag segments absent from the data."""
    path = ""
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            path = join_path(path, str(part))
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            path = join_path(path, part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and not part.startswith(("function-", "tagged-")):
            # a missing field or a union branch name: keep field names that exist in the model only
            if part[0].islower() and part.replace("_", "").isalnum() and part not in ("question", "group"):
                return join_path(path, part) if part not in ("list", "dict", "str", "int") else path
    return path


def validation_problems(exc: ValidationError, data: Any, positions: Positions, file: str) -> list[Problem]:
    """One located Problem per pydantic error, with wording a questionnaire author understands."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        path = _loc_path(tuple(err["loc"]), data)
        msg = _friendly(err)
        if (path, msg) in seen:
            continue
        seen.add((path, msg))
        line, col = locate(positions, path)
        problems.append(Problem(msg, "schema", location=Location(file, line, col, path or None)))
    return problems


def _friendly(err: Any) -> str:
    t = err["type"]
    field = err["loc"][-1] if err["loc"] else ""
    if t == "missing":
        return f"required field '{field}' is missing"
    if t == "extra_forbidden":
        return f"unknown field '{field}' (check the spelling; see `surveymod schema`)"
    if t == "literal_error":
        return f"'{err.get('input')}' is not allowed here; expected {err['ctx']['expected']}"
    if t == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return f"{err['msg']} (got {err.get('input')!r})" if "input" in err and not isinstance(
        err.get("input"), dict | list) else str(err["msg"])


def load_model(model: type[M], path: str | Path) -> tuple[M, Positions]:
    """Load a YAML file into a pydantic model; every schema problem is raised at once with its line."""
    data, pos = load_yaml(path)
    return validate_model(model, data, pos, str(path)), pos


def validate_model(model: type[M], data: Any, pos: Positions, file: str) -> M:
    """Validate parsed YAML against a model, raising SurveyError with located problems."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SurveyError(validation_problems(exc, data, pos, file)) from None
