"""Write a :class:`DocSpec` as HWPX (OWPML): a zip with mimetype, manifest, header and one section of XML."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from workbench.intake.testdocs.content import DocSpec

NS = ('xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph" xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
      'xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head"')
CONTAINER = ('<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><ocf:container '
             'xmlns:ocf="urn:oasis:names:tc:opendocument:xmlns:container"><ocf:rootfiles><ocf:rootfile '
             'full-path="Contents/content.hpf" media-type="application/hwpml-package+xml"/></ocf:rootfiles>'
             '</ocf:container>')
VERSION = ('<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><hv:HCFVersion '
           'xmlns:hv="http://www.hancom.co.kr/hwpml/2011/version" tagetApplication="WORDPROCESSOR" major="5" '
           'minor="1" micro="0" buildNumber="1" os="1" xmlVersion="1.4" application="workbench" appVersion="1"/>')


def _para(text: str, *, page_break: bool = False, inner: str = "") -> str:
    run = inner + (f"<hp:t>{escape(text)}</hp:t>" if text else "")
    return (f'<hp:p paraPrIDRef="0" styleIDRef="0" pageBreak="{int(page_break)}" columnBreak="0" merged="0">'
            f'<hp:run charPrIDRef="0">{run}</hp:run></hp:p>')


def _table(rows: tuple[tuple[str, ...], ...]) -> str:
    n_cols = max(len(r) for r in rows)
    trs = "".join("<hp:tr>" + "".join(
        f'<hp:tc><hp:subList>{_para(v)}</hp:subList><hp:cellAddr colAddr="{c}" rowAddr="{r}"/>'
        f'<hp:cellSpan colSpan="1" rowSpan="1"/></hp:tc>' for c, v in enumerate(row)) + "</hp:tr>"
        for r, row in enumerate(rows))
    return _para("", inner=f'<hp:tbl rowCnt="{len(rows)}" colCnt="{n_cols}">{trs}</hp:tbl>')


def section_xml(spec: DocSpec) -> str:
    running = (f'<hp:ctrl><hp:header applyPageType="BOTH"><hp:subList>{_para(spec.header)}</hp:subList></hp:header>'
               f'</hp:ctrl><hp:ctrl><hp:footer applyPageType="BOTH"><hp:subList>{_para(spec.footer)}</hp:subList>'
               f'</hp:footer></hp:ctrl>')
    parts, page_break = [_para("", inner=running)], False
    for b in spec.blocks:
        if b.kind == "page_break":
            page_break = True
            continue
        parts.append(_table(b.rows) if b.kind == "table" else _para(b.text, page_break=page_break))
        page_break = False
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><hs:sec {NS}>{"".join(parts)}</hs:sec>'


def write_hwpx(spec: DocSpec, path: Path) -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><opf:package '
               'xmlns:opf="http://www.idpf.org/2007/opf/" version="" unique-identifier="" id="">'
               f'<opf:metadata><opf:title>{escape(spec.title)}</opf:title></opf:metadata><opf:manifest>'
               '<opf:item id="header" href="Contents/header.xml" media-type="application/xml"/>'
               '<opf:item id="section0" href="Contents/section0.xml" media-type="application/xml"/>'
               '</opf:manifest><opf:spine><opf:itemref idref="header" linear="yes"/>'
               '<opf:itemref idref="section0" linear="yes"/></opf:spine></opf:package>')
    header = f'<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><hh:head {NS} version="1.4" secCnt="1"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("version.xml", VERSION)
        zf.writestr("META-INF/container.xml", CONTAINER)
        zf.writestr("Contents/content.hpf", content)
        zf.writestr("Contents/header.xml", header)
        zf.writestr("Contents/section0.xml", section_xml(spec))
    return path
