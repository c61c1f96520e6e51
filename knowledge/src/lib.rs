//! The knowledge base: activation articles, fact tables, recognizers and answers (pure, no I/O runtime).
