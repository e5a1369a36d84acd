"""quote.approval on the shared approval engine (yewu.approvals)."""
