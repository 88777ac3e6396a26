"""The citizen's side of the counter (Qt-free): procedure board, check before save, status by
receipt, satisfaction ratings and queue tickets. The screens are in ``kiosk/ui``."""
