"""Write a :class:`DocSpec` as a PDF with a Korean font (fpdf2, Noto Sans CJK KR or Nanum Gothic embedded)."""
from __future__ import annotations

from itertools import takewhile
from pathlib import Path

from workbench.intake.testdocs.content import DocSpec

FONT_CANDIDATES = (  # (file, index in a collection): the first present is used
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 1),
    ("/usr/share/fonts/truetype/nanum/NanumGothic.ttf", 0),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 1),
)


def korean_font() -> tuple[str, int]:
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise FileNotFoundError("no Korean font found (install fonts-noto-cjk or fonts-nanum)")


def write_pdf(spec: DocSpec, path: Path) -> Path:
    from fpdf import FPDF

    class _Pdf(FPDF):
        def header(self) -> None:
            self.set_font("kr", size=8)
            self.cell(0, 6, spec.header, align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("kr", size=8)
            self.cell(0, 6, f"{spec.footer}   - {self.page_no()} -", align="C")

    pdf = _Pdf(format="A4")
    font, index = korean_font()
    pdf.add_font("kr", fname=font, collection_font_number=index)
    pdf.set_title(spec.title)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    blocks = spec.blocks
    for i, b in enumerate(blocks):
        if b.kind == "page_break":
            pdf.add_page()
        elif b.kind == "heading":
            pdf.set_font("kr", size=14)
            pdf.ln(3)
            pdf.multi_cell(0, 8, b.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif b.kind == "para" and spec.columns > 1:
            if i and blocks[i - 1].kind == "para":
                continue  # written with the first of its run
            pdf.set_font("kr", size=10.5)
            with pdf.text_columns(ncols=spec.columns, gutter=8, balance=True, text_align="J",
                                  line_height=1.3) as cols:
                for para in takewhile(lambda blk: blk.kind == "para", blocks[i:]):
                    with cols.paragraph(bottom_margin=2) as text:
                        text.write(para.text)
            pdf.ln(2)
        elif b.kind == "para":
            pdf.set_font("kr", size=10.5)
            pdf.multi_cell(0, 6.5, b.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif b.kind == "table":
            pdf.set_font("kr", size=9.5)
            with pdf.table(first_row_as_headings=False, line_height=6.5) as table:
                for row in b.rows:
                    table.row(row)
            pdf.ln(3)
    pdf.output(str(path))
    return path
