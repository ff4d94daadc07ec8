"""Validation rules beyond the schema: references, routing, codes, names and translations — all reported at once.

Each rule yields a :class:`Problem` located at the YAML line of the offending field, e.g.
``questionnaires/x.yaml:41:7 sections[2].items[12].relevant: unknown variable 'AGEE'``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import Location, Problem, SurveyError
from . import expr as E
from .conditions import resolve_names
from .model import Choice, Group, LangText, Question, Questionnaire
from .names import did_you_mean, dummy_name, lookalike, name_problem, shown
from .rules import lint_rules

NUMERIC_TYPES = {"integer", "decimal", "year", "scale", "select_one", "calculate"}


class _Ctx:
    """Collects problems and knows how to locate a YAML path."""

    def __init__(self, qn: Questionnaire) -> None:
        self.qn = qn
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, rule: str, severity: str = "error") -> None:
        file, line, col = self.qn.locate(path)
        self.problems.append(Problem(message, rule, severity, Location(file, line, col, path)))  # type: ignore[arg-type]


def lint(qn: Questionnaire) -> list[Problem]:
    """Every problem found in *qn* (errors and warnings), in document order."""
    ctx = _Ctx(qn)
    _names(ctx)
    _choice_lists(ctx)
    _questions(ctx)
    _expressions(ctx)
    _translations(ctx)
    _derived_filters(ctx)
    ctx.problems += lint_rules(qn)
    _glossary(ctx)
    _tablet(ctx)
    return sorted(ctx.problems, key=lambda p: (p.location.line or 0, p.location.column or 0))


# ----------------------------------------------------------------------------------------------------- names


def _names(ctx: _Ctx) -> None:
    seen: dict[str, str] = {}

    def claim(name: str, path: str, what: str) -> None:
        key = name.lower()
        if key in seen:
            ctx.add(path, f"duplicate name '{name}' ({what}); already used at {seen[key]} "
                          "(names must be unique regardless of case)", "duplicate-name")
        else:
            seen[key] = path

    for item, _ in ctx.qn.walk():
        path = f"{item.path}.name"
        why = name_problem(item.name)
        if why:
            ctx.add(path, why, "invalid-name")
        claim(item.name, path, "group" if isinstance(item, Group) else "variable")
        if isinstance(item, Question) and item.type == "select_multiple":
            for c in ctx.qn.choice_list(item):
                dn = dummy_name(item.name, c.code)
                why = name_problem(dn)
                if why:
                    ctx.add(path, f"the dummy variable for code {c.code}: {why}", "invalid-name")
                claim(dn, path, f"dummy of select_multiple '{item.name}' for code {c.code}")


# ---------------------------------------------------------------------------------------------- choice lists


def _derived_filters(ctx: _Ctx) -> None:
    """A filter (relevant) naming a calculated variable: the paper form prints it and the interviewer cannot work
    it out during the interview; write it with the questions asked (a warning)."""
    derived = {q.name.lower(): q.name for q in ctx.qn.questions() if q.type == "calculate"}
    for item, _ in ctx.qn.walk():
        if not item.relevant or not derived:
            continue
        try:
            refs = E.references(E.parse(item.relevant))
        except E.ExprSyntaxError:
            continue   # reported by _expressions
        for name in dict.fromkeys(derived[r.name.lower()] for r in refs if r.name.lower() in derived):
            ctx.add(f"{item.path}.relevant", f"the filter of '{item.name}' names the derived variable '{name}', "
                                             "which the interviewer cannot compute: write it with the questions "
                                             "it is derived from", "filter-derived", "warning")


def _check_codes(ctx: _Ctx, choices: list[Choice], path: str) -> None:
    codes: dict[int, int] = {}
    names: dict[str, int] = {}
    for i, c in enumerate(choices):
        cpath = f"{path}[{i}]" if path else ""
        if c.code in codes:
            ctx.add(f"{cpath}.code", f"code {c.code} is repeated in this list (first at position {codes[c.code] + 1})",
                    "duplicate-code")
        else:
            codes[c.code] = i
        if c.name:
            if c.name in names and ctx.qn.xlsform is None:  # imported forms may allow duplicate choice names
                ctx.add(f"{cpath}.name", f"choice name '{c.name}' is repeated in this list", "duplicate-code")
            names[c.name] = i


def _choice_lists(ctx: _Ctx) -> None:
    qn = ctx.qn
    used: set[str] = set()
    for q in qn.questions():
        if isinstance(q.choices, str):
            used.add(q.choices)
            if q.choices not in qn.choices:
                known = ", ".join(shown(c) for c in sorted(qn.choices)) or "none defined"
                ctx.add(f"{q.path}.choices", f"choice list {shown(q.choices)} is not defined (lists: {known})"
                        + did_you_mean(q.choices, qn.choices), "missing-choice-list")
        elif isinstance(q.choices, list):
            _check_codes(ctx, q.choices, f"{q.path}.choices")
    for name, cl in qn.choices.items():
        _check_codes(ctx, cl.choices, f"choices.{name}.choices" if cl.builtin else f"choices.{name}")
        if cl.builtin:
            builtin_codes = {c.code for c in cl.all()} - {c.code for c in cl.choices}
            for i, c in enumerate(cl.choices):
                if c.code in builtin_codes:
                    ctx.add(f"choices.{name}.choices[{i}].code",
                            f"code {c.code} is already a {cl.builtin} code", "duplicate-code")
        if lookalike(name):  # a list name one cannot tell from another by looking
            ctx.add(f"choices.{name}", f"choice list name {shown(name)}: {lookalike(name)}; use plain letters, "
                                       "digits and '_'", "lookalike-name", "warning")
        if name not in used:
            ctx.add(f"choices.{name}", f"choice list {shown(name)} is never used", "unused-choice-list", "warning")
        if not cl.builtin and not cl.choices:
            ctx.add(f"choices.{name}", f"choice list '{name}' is empty", "empty-choice-list")


# ------------------------------------------------------------------------------------------------- questions


def _questions(ctx: _Ctx) -> None:
    qn = ctx.qn
    if qn.respondent_id and qn.respondent_id.lower() not in qn._index():
        ctx.add("respondent_id", f"respondent_id '{qn.respondent_id}' is not a variable of the questionnaire",
                "unknown-reference")
    for j, name in enumerate(qn.key):
        if name.lower() not in qn._index():
            ctx.add(f"key[{j}]", f"key variable '{name}' is not a variable of the questionnaire", "unknown-reference")
    for item, _parents in qn.walk():
        if isinstance(item, Group) and item.is_roster:
            if item.key:
                inner = {q.name.lower() for q, _ in _walk_group(item)}
                if item.key.lower() not in inner:
                    ctx.add(f"{item.path}.key", f"roster key '{item.key}' is not a variable inside roster "
                                                f"'{item.name}'", "unknown-reference")
            if not item.count and not item.max_rows and item.xlsform is None and qn.xlsform is None:
                # an imported form's repeats may be open (as many rows as the interviewer adds)
                ctx.add(f"{item.path}", f"roster '{item.name}' needs 'count' (an expression) or 'max_rows'",
                        "roster-size")
        if isinstance(item, Question):
            if item.type == "calculate" and item.required:
                ctx.add(f"{item.path}.required", "a calculated variable cannot be required", "calculate-required")
            if item.type in ("text", "date", "note") and item.choices:
                ctx.add(f"{item.path}.choices", f"a {item.type} question cannot have choices", "type-choices")
            if item.anchors and item.type != "scale":
                ctx.add(f"{item.path}.anchors", "'anchors' are only for scale questions", "type-choices")
            if item.type == "scale" and item.anchors:
                for v in item.anchors:
                    if not (item.min or 0) <= v <= (item.max or 0):
                        ctx.add(f"{item.path}.anchors", f"anchor {v} is outside the scale {item.min:g}–{item.max:g}",
                                "bad-code")
            if item.type == "scale" and isinstance(item.choices, list | str):
                lo, hi = int(item.min or 0), int(item.max or 0)
                for c in qn._named_or_inline(item):
                    if lo <= c.code <= hi:
                        ctx.add(f"{item.path}.choices", f"special code {c.code} overlaps the scale points "
                                                        f"{lo}–{hi}", "duplicate-code")
            if item.shares:
                _check_shares(ctx, item)


def _check_shares(ctx: _Ctx, q: Question) -> None:
    """``shares`` name substantive codes of the list (or scale points), or values within min..max of an integer."""
    assert q.shares is not None
    if q.type == "integer":
        lo, hi = q.min, q.max
        bad = [v for v in q.shares if (lo is not None and v < lo) or (hi is not None and v > hi)]
        where = f"the range {q.min if q.min is not None else '…'}–{q.max if q.max is not None else '…'}"
    else:
        valid = {c.code for c in ctx.qn.choice_list(q) if not c.missing}
        if q.type == "scale":
            valid |= set(range(int(q.min or 0), int(q.max or 0) + 1))
        bad = [v for v in q.shares if v not in valid]
        where = "the substantive codes of the list (don't know/refusal follow the simulator's nonsubstantive rate)"
    if bad:
        ctx.add(f"{q.path}.shares", f"shares for {', '.join(map(str, bad))}: not in {where}", "bad-code")


def _walk_group(g: Group) -> Iterator[tuple[Question | Group, Group]]:
    for it in g.items:
        yield it, g
        if isinstance(it, Group):
            yield from _walk_group(it)


# ----------------------------------------------------------------------------------------------- expressions


def _expressions(ctx: _Ctx) -> None:
    qn = ctx.qn
    order: dict[str, int] = {}
    scope: dict[str, str | None] = {}  # variable -> roster name (None = top level)
    for i, (item, parents) in enumerate(qn.walk()):
        rosters = [g.name for g in parents if g.is_roster]
        order.setdefault(item.name.lower(), i)
        scope.setdefault(item.name.lower(), rosters[-1] if rosters else None)
    questions = qn._index()
    deps: dict[str, set[str]] = {}

    for i, (item, parents) in enumerate(qn.walk()):
        rosters = [g.name for g in parents if g.is_roster]
        my_roster = rosters[-1] if rosters else None
        if isinstance(item, Group) and item.is_roster:
            my_roster_for_count = rosters[-1] if rosters else None
            if item.count:
                _check_expr(ctx, item, "count", item.count, i, my_roster_for_count, order, scope, questions, deps)
        fields = ["relevant"]
        if isinstance(item, Question):
            fields += ["constraint", "calculation"]
        for field in fields:
            text = getattr(item, field, None)
            if text:
                _check_expr(ctx, item, field, text, i, my_roster, order, scope, questions, deps)
    _cycles(ctx, deps)


def _check_expr(ctx: _Ctx, item: Question | Group, field: str, text: str, index: int, my_roster: str | None,
                order: dict[str, int], scope: dict[str, str | None], questions: dict[str, Question],
                deps: dict[str, set[str]]) -> None:
    qn = ctx.qn
    path = f"{item.path}.{field}"
    try:
        raw = E.parse(text)
    except E.ExprSyntaxError as exc:
        what = "syntax error" if exc.rule == "expression-syntax" else "error"
        ctx.add(path, f"{what} in {field}: {exc.message} (column {exc.pos + 1} of \"{text}\")", exc.rule)
        return
    owner = item if isinstance(item, Question) and field == "constraint" else None
    node = resolve_names(qn, raw, owner)

    def question_of(ref: E.Node) -> Question | None:
        """The question a reference (or ``.`` in a constraint) stands for."""
        if isinstance(ref, E.Ref):
            return questions.get(ref.name.lower())
        return owner if isinstance(ref, E.Self) else None

    for ref in E.references(node):
        key = ref.name.lower()
        if key not in order:
            ctx.add(path, f"unknown variable {shown(ref.name)} in {field}"
                    + did_you_mean(ref.name, [q.name for q in questions.values()]), "unknown-reference")
            continue
        q = questions.get(key)
        if q is None:
            ctx.add(path, f"'{ref.name}' in {field} is a group, not a variable", "unknown-reference")
            continue
        if q.type == "note":
            ctx.add(path, f"'{ref.name}' in {field} is a note and holds no value", "unknown-reference")
        deps.setdefault(item.name.lower(), set()).add(key)
        if key == item.name.lower() and field != "count":
            ctx.add(path, f"{field} refers to the question itself; use '.' in a constraint", "self-reference")
        elif order[key] > index and field != "constraint":
            ctx.add(path, f"'{ref.name}' is asked after '{item.name}' (forward reference in {field}); "
                          "a condition can only use answers collected before", "forward-reference")
        ref_roster = scope.get(key)
        if ref_roster is not None and ref_roster != my_roster:
            where = f"inside roster '{ref_roster}'"
            ctx.add(path, f"'{ref.name}' is {where} and cannot be used from "
                          f"{'the top level' if my_roster is None else f'roster {my_roster!r}'}",
                    "roster-scope")
    for n in _nodes(node):
        if isinstance(n, E.Self) and field != "constraint":
            ctx.add(path, f"'.' (the answer itself) is only allowed in a constraint, not in {field}", "self-reference")
        if isinstance(n, E.Call):
            spec = E.FUNCTIONS[n.name]  # the parser admits known functions with their arity only
            if spec.first_is_ref and not isinstance(n.args[0], E.Ref | E.Self):
                ctx.add(path, f"the first argument of {n.name}() must be a variable", "function-argument")
                continue
            if n.name in ("selected", "round") and len(n.args) > 1 and not isinstance(n.args[1], E.Num | E.Str):
                ctx.add(path, f"the second argument of {n.name}() must be a constant (a code, a quoted choice name "
                              "or a number), not an expression", "function-argument")
                continue
            if n.name in ("selected", "count_selected") and isinstance(n.args[0], E.Ref | E.Self):
                q = question_of(n.args[0])
                if q is not None and q.type not in ("select_multiple", "select_one"):
                    ctx.add(path, f"{n.name}() needs a choice question; '{q.name}' is {q.type}", "function-argument")
                if n.name == "selected" and q is not None and q.is_choice:
                    _check_code(ctx, path, q, n.args[1])
        if isinstance(n, E.Compare):
            for a, b in zip(n.operands, n.operands[1:], strict=False):
                for ref, other in ((a, b), (b, a)):
                    q = question_of(ref)
                    if q is not None and q.type == "select_multiple" and isinstance(other, E.Num | E.Str):
                        ctx.add(path, f"'{q.name}' is select_multiple: use selected({q.name}, code) rather than a "
                                      "comparison", "select-multiple-compare")
                    elif q is not None and q.is_choice and isinstance(other, E.Num | E.Str):
                        _check_code(ctx, path, q, other)
        if isinstance(n, E.In) and isinstance(n.operand, E.Ref | E.Self):
            q = question_of(n.operand)
            if q is not None and q.is_choice:
                for it in n.items:
                    _check_code(ctx, path, q, it)


def _check_code(ctx: _Ctx, path: str, q: Question, value: E.Node) -> None:
    """A condition compares choice question *q* with a constant: it must be one of its codes (or a scale value)."""
    choices = ctx.qn.choice_list(q)
    if not choices and q.type != "scale":
        return
    if isinstance(value, E.Str):  # names were resolved to codes before: a quoted code ('2') still compares as 2
        try:
            number = float(value.value)
        except ValueError:
            number = None
        if number is None or number not in {c.code for c in choices}:
            ctx.add(path, f"'{value.value}' is neither a code nor a choice name of '{q.name}' (list '{q.choices}')",
                    "bad-code")
        return
    if isinstance(value, E.Num):
        codes = {c.code for c in choices}
        if value.value not in codes:
            shown = ", ".join(str(c) for c in sorted(codes)[:12]) + (" ..." if len(codes) > 12 else "")
            v = int(value.value) if value.value.is_integer() else value.value
            ctx.add(path, f"code {v} is not in the choices of '{q.name}' ({shown})", "bad-code")


def _nodes(n: E.Node) -> Iterator[E.Node]:
    yield n
    for c in E.children(n):
        yield from _nodes(c)


def _cycles(ctx: _Ctx, deps: dict[str, set[str]]) -> None:
    """Report each dependency cycle once (e.g. two calculations that use each other)."""
    color: dict[str, int] = {}
    stack: list[str] = []
    reported: set[frozenset[str]] = set()
    questions = ctx.qn._index()

    def visit(v: str) -> None:
        color[v] = 1
        stack.append(v)
        for w in sorted(deps.get(v, ())):
            if w == v:
                continue
            if color.get(w, 0) == 0:
                visit(w)
            elif color.get(w) == 1:
                cyc = stack[stack.index(w):]
                key = frozenset(cyc)
                if key not in reported:
                    reported.add(key)
                    names = [questions[x].name if x in questions else x for x in cyc]
                    first = questions.get(cyc[0])
                    ctx.add(first.path if first else "", "circular dependency: " + " → ".join([*names, names[0]]),
                            "cycle")
        stack.pop()
        color[v] = 2

    for v in sorted(deps):
        if color.get(v, 0) == 0:
            visit(v)


# ---------------------------------------------------------------------------------------------- translations


def _texts(qn: Questionnaire) -> Iterator[tuple[str, str, LangText | None]]:
    """Every translatable text of *qn* as (YAML path, what it is, text), in document order."""
    yield "title", "the title", qn.title
    yield "description", "the description", qn.description
    for item, _ in qn.walk():
        if isinstance(item, Group):
            yield f"{item.path}.title", f"the title of '{item.name}'", item.title
            continue
        for field in ("label", "short", "hint", "instruction", "constraint_message", "unit"):
            yield f"{item.path}.{field}", f"the {field} of '{item.name}'", getattr(item, field)
        for v, text in (item.anchors or {}).items():
            yield f"{item.path}.anchors", f"anchor {v} of '{item.name}'", text
        if isinstance(item.choices, list):
            for i, c in enumerate(item.choices):
                yield f"{item.path}.choices[{i}].label", f"choice {c.code} of '{item.name}'", c.label
    for name, cl in qn.choices.items():
        base = f"choices.{name}.choices" if cl.builtin else f"choices.{name}"
        for i, c in enumerate(cl.choices):
            yield f"{base}[{i}].label", f"choice {c.code} of list '{name}'", c.label


def _translations(ctx: _Ctx) -> None:
    qn = ctx.qn
    langs = qn.languages.all
    pending = set(qn.languages.pending)
    missing_count: dict[str, int] = {}

    def need(text: LangText | None, path: str, what: str) -> None:
        if not text:
            return
        for lang in langs:
            if not text.get(lang):
                if lang in pending:
                    missing_count[lang] = missing_count.get(lang, 0) + 1
                else:
                    sev = "error"
                    ctx.add(path, f"{what} has no text in declared language '{lang}'", "missing-translation", sev)
        for lang in text:
            if lang not in langs:
                ctx.add(path, f"{what} has text in '{lang}', which is not a declared language "
                              f"({', '.join(langs)})", "undeclared-language")

    for path, what, text in _texts(qn):
        need(text, path, what)
    for lang, n in sorted(missing_count.items()):
        ctx.add("languages", f"{n} text(s) not yet translated into '{lang}' (translation pending; "
                             "see `surveymod build --to translations`)", "translation-pending", "warning")


def _glossary(ctx: _Ctx) -> None:
    """Texts whose English uses a checked glossary term but whose translation renders it differently (warnings)."""
    from .glossary import load_glossary, term_problems

    qn = ctx.qn
    if not qn.glossary:
        return
    path = Path(qn.glossary)
    if not path.is_absolute():
        if not qn.file or not Path(qn.file).is_file():
            return  # YAML text without a file: nothing the path could be relative to
        path = Path(qn.file).parent / path
    try:
        glossary = load_glossary(path)
    except FileNotFoundError:
        ctx.add("glossary", f"glossary file {path} not found (the path is relative to the questionnaire); the "
                "glossary check is skipped", "glossary-missing", "warning")  # a copied form stays usable
        return
    except SurveyError as exc:
        ctx.problems.extend(exc.problems)
        return
    default = qn.languages.default
    for ypath, what, text in _texts(qn):
        if not text or not text.get(default):
            continue
        others = {lang: t for lang, t in text.items() if lang != default}
        for lang, message in term_problems(glossary, text[default], others):
            ctx.add(f"{ypath}.{lang}", f"{what}: {message}", "glossary-term", "warning")


def _tablet(ctx: _Ctx) -> None:
    """Metadata names free, sample key variables asked at the top level, ``preload`` only with a sample file."""
    qn = ctx.qn
    index = qn._index()
    for name in qn.metadata.rows() if qn.xlsform is None else []:  # an imported form keeps its own rows
        if name in index:
            ctx.add(f"{index[name].path}.name", f"'{name}' is also a form metadata field (metadata: {name}); "
                                                "rename the variable or switch the metadata off", "duplicate-name")
    if qn.sample:
        for i, key in enumerate(qn.sample.key):
            q = index.get(key.lower())
            if q is None or not q.stores_data:
                ctx.add(f"sample.key[{i}]", f"sample key '{key}' is not a question of this form", "unknown-variable")
            elif qn.roster_of(q.name) is not None:
                ctx.add(f"sample.key[{i}]", f"sample key '{key}' is inside a roster; it must be asked once per form",
                        "sample-key")
    for q in qn.questions():
        if q.preload and qn.sample is None:
            ctx.add(f"{q.path}.preload", f"'{q.name}' has preload: {q.preload} but the form has no `sample:` file",
                    "preload-without-sample")
        elif q.preload and q.type == "calculate":
            ctx.add(f"{q.path}.preload", "a calculated variable cannot be preloaded (it has its own calculation)",
                    "preload-calculate")
