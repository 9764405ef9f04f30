"""Layer 1, where values are kept: the database and its migrations, editors and the audit log, the bounded table reader."""
