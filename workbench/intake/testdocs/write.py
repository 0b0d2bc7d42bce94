"""Write the generated document of a record in any of the four formats."""
from __future__ import annotations

from pathlib import Path

from workbench.intake.testdocs.brochure import BrochureWordingBuilder
from workbench.intake.testdocs.content import SpecBuilder
from workbench.intake.testdocs.docx_writer import write_docx
from workbench.intake.testdocs.hwp_writer import write_hwp
from workbench.intake.testdocs.hwpx_writer import write_hwpx
from workbench.intake.testdocs.pdf_writer import write_pdf
from workbench.intake.testdocs.unseen import UnseenWordingBuilder
from workbench.schema.record import CompanyRecord

WRITERS = {"pdf": write_pdf, "docx": write_docx, "hwpx": write_hwpx, "hwp": write_hwp}
FORMATS = tuple(WRITERS)
# unseen and brochure: held-out robustness checks, never used to tune the rules or the fallback
WORDINGS = {"house": SpecBuilder, "unseen": UnseenWordingBuilder, "brochure": BrochureWordingBuilder}


def write_document(record: CompanyRecord, path: str | Path, *, seed: int = 0, pages: int = 0,
                   wording: str = "house") -> Path:
    """The record's generated document at ``path``; its extension picks the format, ``wording`` the builder."""
    path = Path(path)
    spec = WORDINGS[wording](record, seed, pages).build()
    return WRITERS[path.suffix.lower().lstrip(".")](spec, path)
