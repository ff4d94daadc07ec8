"""Round 3 (issue 23): bounded time and memory on any input. Each oversized input is generated here, small and
fast, and must be refused with a located message naming the documented limit (surveymod.limits)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from test_hostile_inputs import HH, run, write

_CT = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WBRELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def _xlsx(path: Path, rows: list[list[str]], name: str = "data", extra: str = "") -> Path:
    """A minimal XLSX written as raw XML (inline strings): fast for 100,000 rows."""
    body = "".join(f'<row r="{i}">' + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in r) + "</row>"
                   for i, r in enumerate(rows, start=1))
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:XFD1048576"/><sheetData>{body}{extra}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB.format(name=name))
        z.writestr("xl/_rels/workbook.xml.rels", _WBRELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_check_on_100k_columns_is_refused_fast(tmp_path: Path) -> None:
    n = 100_000
    data = write(tmp_path / "wide.csv", ",".join(["hhid", *(f"c{i}" for i in range(n))]) + "\n"
                 + ",".join(["1"] * (n + 1)) + "\n")
    code, out = run("check", str(data), "-q", str(HH), timeout=15)
    assert code == 1 and "10,000" in out and "too-many-columns" in out, out


def test_import_of_100k_questions_is_refused_fast(tmp_path: Path) -> None:
    rows = [["type", "name", "label"]] + [["integer", f"q{i}", f"Q {i}"] for i in range(100_000)]
    form = _xlsx(tmp_path / "big.xlsx", rows, name="survey")
    code, out = run("import", str(form), "-o", str(tmp_path / "big.yaml"), timeout=20)
    assert code == 1 and "10,000" in out and "survey" in out, out


def test_stray_cell_at_xfd1048576_is_refused(tmp_path: Path) -> None:
    book = _xlsx(tmp_path / "far.xlsx", [["hhsize"], ["2"]],
                 extra='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    code, out = run("estimate", str(book), "--mean", "hhsize", "-o", str(tmp_path / "e.csv"), timeout=15)
    assert code == 1 and "XFD1048576" in out and "sheet-too-large" in out, out


def _bomb(path: Path, member: str, mib: int = 3000) -> Path:
    """A zip whose one member inflates to *mib* MiB of zeros, made from one compressed MiB repeated (a full flush
    makes every MiB an independent deflate block), in well under a second; the CRC is not needed to refuse it."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(b"\0" * 2**20) + comp.flush(zlib.Z_FULL_FLUSH)
    stream = block * mib + comp.flush(zlib.Z_FINISH)
    info = zipfile.ZipInfo(member)
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(path, "wb") as out:
        zf = zipfile.ZipFile(out, "w")
        info.file_size, info.compress_size, info.CRC = mib * 2**20, len(stream), 0
        zf.fp.write(info.FileHeader(zip64=True))
        info.header_offset = 0
        zf.fp.write(stream)
        zf.filelist.append(info)
        zf.NameToInfo[member] = info
        zf.start_dir = zf.fp.tell()
        zf._didModify = True
        zf.close()
    return path


def test_zip_bomb_data_is_refused(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "data.zip", "data.csv")
    assert bomb.stat().st_size < 6 * 2**20
    code, out = run("check", str(bomb), "-q", str(HH), timeout=15)
    assert code == 1 and ("zip-bomb" in out or "zip-too-large" in out), out


def test_zip_bomb_xlsx_is_refused(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "data.xlsx", "xl/worksheets/sheet1.xml")
    code, out = run("estimate", str(bomb), "--mean", "x", "-o", str(tmp_path / "e.csv"), timeout=15)
    assert code == 1 and ("zip-bomb" in out or "zip-too-large" in out), out


def test_forty_nested_repeats_name_the_form_row(tmp_path: Path) -> None:
    rows = ([["type", "name", "label"]] + [["begin_repeat", f"r{i}", f"R {i}"] for i in range(40)]
            + [["integer", "q", "Q"]] + [["end_repeat", "", ""] for _ in range(40)])
    form = _xlsx(tmp_path / "nest.xlsx", rows, name="survey")
    code, out = run("import", str(form), "-o", str(tmp_path / "nest.yaml"))
    assert code == 1 and "nest.xlsx" in out and "nest.yaml" not in out and "nested more than 20" in out, out
