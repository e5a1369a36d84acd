"""Today's exceptions to the layout rules (issue 11). These lists only shrink; empty them."""

APP_PAIRS = [
]

APP_CYCLES = [
]

UPWARD = [
]

FILE_CYCLES = [
]

LONG_MODULES = [
]

BARE_FUNCTION_IMPORTS = {
}
