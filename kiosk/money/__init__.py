"""Money and certification at the counter (issue 23): fees, receipts, the cash book, VietQR,
the certification register. Qt-free; storage lives in ``kiosk.storage.money`` and
``kiosk.storage.register``. See ``docs/FEES.md``."""
