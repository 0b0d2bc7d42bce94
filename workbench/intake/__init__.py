"""Document intake: read a company's 사업계획서 (PDF, DOCX, HWPX, HWP) and propose the technology-form fields."""
