"""DDI-Codebook 2.5 XML: study citation, one fileDscr per data level, and every variable with its metadata.

Each ``var`` carries, in the schema's order: ``labl`` (one per language, ``xml:lang``), ``qstn`` (question text,
hint as ``postQTxt``, interviewer instruction as ``ivuInstr``; one per language), ``valrng`` (from min/max),
``universe`` (the routing condition in words), ``catgry`` (codes; ``missing="Y"`` for non-substantive codes),
``varFormat`` and ``notes`` (source of the item, calculation). Validates against the official schema.
"""

from __future__ import annotations

from lxml import etree

from ..questionnaire.dictionary import NO_LIMITS, VariableMeta, data_dictionary
from ..questionnaire.model import Questionnaire
from .routing import universe_words

NS = "ddi:codebook:2_5"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = "ddi:codebook:2_5 http://www.ddialliance.org/Specification/DDI-Codebook/2.5/XMLSchema/codebook.xsd"

_RESPONSE_DOMAIN = {"select_one": "category", "scale": "category", "select_multiple": "multiple",
                    "integer": "numeric", "decimal": "numeric", "year": "numeric", "calculate": "numeric",
                    "text": "text", "date": "other", "dummy": "category"}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, f"{{{NS}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        e.text = text
    return e


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def build_ddi(qn: Questionnaire) -> bytes:
    """The DDI-Codebook 2.5 document as UTF-8 XML bytes."""
    langs = qn.languages.all
    dicts = {lang: data_dictionary(qn, lang, NO_LIMITS) for lang in langs}
    default = dicts[qn.languages.default]
    root = etree.Element(f"{{{NS}}}codeBook", nsmap={None: NS, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    root.set("version", "2.5")
    root.set("ID", _ncname(f"cb_{qn.id}"))
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", SCHEMA_LOCATION)
    root.set(XML_LANG, qn.languages.default)

    stdy = _el(root, "stdyDscr")
    cit = _el(stdy, "citation")
    ts = _el(cit, "titlStmt")
    _el(ts, "titl", qn.text(qn.title), **{XML_LANG: qn.languages.default})
    for lang in langs[1:]:
        if qn.title.get(lang):
            _el(ts, "parTitl", qn.title[lang], **{XML_LANG: lang})
    _el(ts, "IDNo", qn.id)
    vs = _el(cit, "verStmt")
    _el(vs, "version", qn.version)
    if qn.description:
        info = _el(stdy, "stdyInfo")
        for lang in langs:
            if qn.description.get(lang):
                _el(info, "abstract", qn.description[lang], **{XML_LANG: lang})
    if qn.sources:
        meth = _el(stdy, "method")
        dc = _el(meth, "dataColl")
        src = _el(dc, "sources")
        for s in qn.sources:
            _el(src, "dataSrc", s)

    file_ids = {}
    for i, level in enumerate(default.levels, start=1):
        fid = f"F{i}"
        file_ids[level.roster] = fid
        fd = _el(root, "fileDscr", ID=fid, URI=f"{level.name}.csv")
        ft = _el(fd, "fileTxt")
        _el(ft, "fileName", f"{level.name}.csv")
        what = "one row per respondent" if level.roster is None else f"one row per {level.roster} row"
        _el(ft, "fileCont", f"{what}; columns in questionnaire order")
        dim = _el(ft, "dimensns")
        _el(dim, "varQnty", str(len(level.variables)))
        _el(ft, "fileType", "CSV (UTF-8)")

    dd = _el(root, "dataDscr")
    used_ids: set[str] = set()
    for v in default.variables:
        _var(dd, qn, v, dicts, file_ids[v.roster], used_ids)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _ncname(s: str) -> str:
    import re

    s = re.sub(r"[^A-Za-z0-9_.-]", "_", s)
    return s if re.match(r"[A-Za-z_]", s) else f"_{s}"


def _var(dd: etree._Element, qn: Questionnaire, v: VariableMeta, dicts: dict, fid: str, used: set[str]) -> None:
    q = v.question
    vid = _ncname(f"V_{v.name}")
    while vid in used:
        vid += "_"
    used.add(vid)
    interval = "contin" if v.measure == "scale" and v.kind != "string" else "discrete"
    var = _el(dd, "var", ID=vid, name=v.name, files=fid, intrvl=interval,
              dcml=str(v.decimals) if v.kind == "numeric" else None)
    langs = list(dicts)
    for lang in langs:
        _el(var, "labl", dicts[lang].variable(v.name).label, **{XML_LANG: lang})
    if not v.is_dummy and q.label:
        for lang in langs:
            qs = _el(var, "qstn", responseDomainType=_RESPONSE_DOMAIN.get(v.qtype, "other"), **{XML_LANG: lang})
            _el(qs, "qstnLit", qn.text(q.label, lang))
            if q.hint:
                _el(qs, "postQTxt", qn.text(q.hint, lang))
            if q.instruction:
                _el(qs, "ivuInstr", qn.text(q.instruction, lang))
    lo, hi = q.min, q.max
    if v.qtype == "scale":
        pass  # scale points are categories
    elif v.kind == "numeric" and not v.is_dummy and (lo is not None or hi is not None):
        vr = _el(var, "valrng")
        _el(vr, "range", min=_num(lo) if lo is not None else None, max=_num(hi) if hi is not None else None,
            UNITS="INT" if v.decimals == 0 else "REAL")
    words = universe_words(qn, q.name, qn.languages.default)
    if words:
        _el(var, "universe", words, clusion="I", **{XML_LANG: qn.languages.default})
    for code in v.value_labels:
        missing = code in v.missing
        cat = _el(var, "catgry", missing="Y" if missing else None,
                  missType=v.missing[code] if missing else None)
        _el(cat, "catValu", str(code))
        for lang in langs:
            _el(cat, "labl", dicts[lang].variable(v.name).value_labels.get(code, ""), **{XML_LANG: lang})
    _el(var, "varFormat", type="character" if v.kind == "string" else "numeric",
        formatname=v.spss_format, schema="SPSS")
    notes = []
    if v.is_dummy:
        notes.append(f"1 if code {v.dummy_code} was chosen at {v.dummy_of}, 0 if not; missing if not asked.")
    if q.type == "calculate" and not v.is_dummy:
        notes.append(f"Calculated: {q.calculation}")
    if q.source:
        parts = [p for p in (q.source.ref, f"source variable {q.source.variable}" if q.source.variable else None,
                             q.source.note) if p]
        notes.append("Source: " + "; ".join(parts))
    if q.unit:
        notes.append(f"Unit: {qn.text(q.unit)}")
    for n in notes:
        _el(var, "notes", n)


def validate_ddi(xml: bytes, xsd_path: str) -> list[str]:
    """Schema errors of *xml* against the DDI-Codebook 2.5 schema at *xsd_path* (empty when valid)."""
    schema = etree.XMLSchema(etree.parse(xsd_path))
    doc = etree.fromstring(xml)
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


__all__ = ["NO_LIMITS", "build_ddi", "validate_ddi"]
