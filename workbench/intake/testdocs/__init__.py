"""Realistic test documents made from synthetic records, with a known answer, in PDF, DOCX, HWPX and HWP."""
