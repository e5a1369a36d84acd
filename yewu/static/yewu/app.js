// Small helpers shared by pages (no build step).
