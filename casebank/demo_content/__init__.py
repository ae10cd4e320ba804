"""Demo content written for this project (Chinese): statutes the demo cites, charges with their
legal elements, typical cases and enforcement guidelines. Seeded by ``casebank.demo``."""
